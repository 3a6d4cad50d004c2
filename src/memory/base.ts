// The key set a rendered nohang.conf starts from: the packaged default of the nohang in the image
// (it knows its own version's keys), or the built-in copy of nohang 0.2.0's when the image has
// none or one nohang itself would refuse.
import {type Problem, warning} from '../boot/problem.ts';
import {NOHANG_KEYS, NOHANG_VERSION, parseNohangConf, rangeOf} from './nohang-keys.ts';
import type {NohangBase} from './policy.ts';
import {DESKTOP_DIFFERENCES, DESKTOP_RULES} from './presets.ts';
import {normalizeSetting} from './values.ts';

export type {NohangBase, NohangBases} from './policy.ts';

export const PACKAGED_CONF = '/usr/share/nohang/nohang.conf';
export const PACKAGED_DESKTOP_CONF = '/usr/share/nohang/nohang-desktop.conf';

/** nohang 0.2.0's nohang.conf, or its nohang-desktop.conf, from the built-in key list. */
export function builtinBase(which: 'nohang' | 'desktop'): NohangBase {
  const desktop: Record<string, string> = which === 'desktop' ? DESKTOP_DIFFERENCES : {};
  return {
    source: `built-in nohang ${NOHANG_VERSION} ${which === 'desktop' ? 'desktop ' : ''}defaults`,
    entries: NOHANG_KEYS.map((k) => [k.key, desktop[k.key] ?? k.value]),
    rules: which === 'desktop' ? [...DESKTOP_RULES] : [],
  };
}

/**
 * A packaged config as a base. It is refused, with a warning, when nohang could not use it as it
 * is: a repeated key, or a value out of nohang 0.2.0's range for a key both versions know.
 */
export function decideBase(
  which: 'nohang' | 'desktop',
  text: string | undefined,
  file: string,
): {base: NohangBase; problems: Problem[]} {
  if (text === undefined) return {base: builtinBase(which), problems: []};
  const conf = parseNohangConf(text);
  const why = baseProblem(conf);
  if (why) {
    const message = `nohang's packaged ${file} ${why}; rendering from the built-in nohang ${NOHANG_VERSION} key list instead`;
    const hint = `Reinstall the nohang package in the image, or check ${file} with nohang --check -c ${file}.`;
    return {base: builtinBase(which), problems: [warning(file, message, hint)]};
  }
  return {base: {source: `${file} in the image`, entries: conf.entries, rules: conf.rules}, problems: []};
}

function baseProblem(conf: ReturnType<typeof parseNohangConf>): string | undefined {
  if (conf.entries.length === 0) return 'has no keys';
  if (conf.duplicates.length > 0) return `repeats the key ${conf.duplicates[0]}`;
  for (const [key, value] of conf.entries) {
    if (!rangeOf(key)) continue;
    const checked = normalizeSetting(key, value);
    if (!checked.ok) return `sets ${key} = ${value}, which ${checked.reason.replace(/^"[^"]*" /, '')}`;
  }
  return undefined;
}
