// The `rd.immucore.*` stanzas (and their legacy `rd.cos.*` spellings) of SPEC §2: how each one's
// value is checked and stored. A bad value becomes a Problem and the stanza's default stays.
import {BOOT_DEFAULTS, type BootConfig} from './boot-config.ts';
import {because, closestName, parseFlag, parseRequired, parseSeconds, type Token} from './cmdline-values.ts';
import {STEP_NAMES} from './graph.ts';
import {error, type Problem, warning} from './problem.ts';
import {OVERLAY_HINT, parseOverlayBase, parseVolume, VOLUME_HINT, type Volume} from './volume.ts';

/** Store a winning token's value in the config, or say why it cannot be used. */
export type Apply = (tok: Token, cfg: BootConfig) => Problem | undefined;

/** A stanza key split into its prefix and name: `rd.cos.overlay` → `rd.cos.` + `overlay`. */
export interface StanzaKey {
  prefix: string;
  name: string;
  legacy: boolean;
}

export function parseStanzaKey(key: string): StanzaKey | undefined {
  if (key.startsWith('rd.immucore.')) return {prefix: 'rd.immucore.', name: key.slice(12), legacy: false};
  if (key.startsWith('rd.cos.')) return {prefix: 'rd.cos.', name: key.slice(7), legacy: true};
  return undefined;
}

/** Say that `tok` is not valid, why, and what happens instead. */
export function invalid(subject: string, tok: Token, reason: string, then: string, hint: string): Problem {
  return error(tok.text, `${subject} "${tok.text}" is not valid: ${because(reason)}; ${then}.`, hint);
}

type FlagField = 'debugRw' | 'disable' | 'debug' | 'rebootOnFailure';
type TimeoutField = keyof typeof BOOT_DEFAULTS;

function flag(field: FlagField): Apply {
  return (tok, cfg) => {
    const on = parseFlag(tok.value);
    if (on.ok) {
      cfg[field] = on.value;
      return undefined;
    }
    const hint = `Write the flag bare to turn it on, e.g. ${tok.key}, or ${tok.key}=0 to turn it off.`;
    return invalid('Flag', tok, on.reason, 'leaving it off', hint);
  };
}

function timeout(field: TimeoutField): Apply {
  return (tok, cfg) => {
    const sec = parseSeconds(tok.value);
    if (sec.ok) {
      cfg[field] = sec.value;
      return undefined;
    }
    const def = BOOT_DEFAULTS[field];
    const hint = `Write whole seconds, 0 or more, e.g. ${tok.key}=${def}.`;
    return invalid('Timeout', tok, sec.reason, `using the default ${def} s`, hint);
  };
}

const overlay: Apply = (tok, cfg) => {
  const base = parseOverlayBase(tok.value ?? '');
  if (base.ok) {
    cfg.overlay = base.value;
    return undefined;
  }
  const reason = tok.value === undefined ? 'is missing' : base.reason;
  const hint = `${OVERLAY_HINT} On the cmdline: ${tok.key}=tmpfs:20%.`;
  return invalid('Overlay backing', tok, reason, 'using the default tmpfs:20%', hint);
};

function required(subject: string, then: string, hint: (key: string) => string, set: Apply): Apply {
  return (tok, cfg) => {
    const v = parseRequired(tok.value);
    return v.ok ? set(tok, cfg) : invalid(subject, tok, v.reason, then, hint(tok.key));
  };
}

const oemLabel = required(
  'OEM label',
  'looking for COS_OEM instead',
  (key) => `Write the label of the OEM filesystem, e.g. ${key}=COS_OEM, or drop the stanza to use COS_OEM.`,
  (tok, cfg) => {
    cfg.oemLabel = tok.value;
    return undefined;
  },
);

const memory = required(
  'Memory policy',
  'using the default policy',
  (key) => `Write a preset or off, e.g. ${key}=server (presets: server, desktop, recovery, off).`,
  (tok, cfg) => {
    cfg.memory = tok.value;
    return undefined;
  },
);

/** The scalar stanzas: last one wins, `rd.immucore.X` over `rd.cos.X`. */
export const SCALAR_STANZAS = new Map<string, Apply>([
  ['overlay', overlay],
  ['oemlabel', oemLabel],
  ['oemtimeout', timeout('oemTimeoutSec')],
  ['devtimeout', timeout('devTimeoutSec')],
  ['volumetimeout', timeout('volumeTimeoutSec')],
  ['debugrw', flag('debugRw')],
  ['disable', flag('disable')],
  ['debug', flag('debug')],
  ['sysrootwait', timeout('sysrootWaitSec')],
  ['rebootonfailure', flag('rebootOnFailure')],
  ['memory', memory],
]);

/** Every stanza name, with the value used in examples (empty for a flag). */
const EXAMPLES = new Map<string, string>([
  ['overlay', '=tmpfs:20%'],
  ['mount', '=LABEL=DATA:/var/lib/data'],
  ['oemlabel', '=COS_OEM'],
  ['oemtimeout', `=${BOOT_DEFAULTS.oemTimeoutSec}`],
  ['devtimeout', `=${BOOT_DEFAULTS.devTimeoutSec}`],
  ['volumetimeout', `=${BOOT_DEFAULTS.volumeTimeoutSec}`],
  ['debugrw', ''],
  ['disable', ''],
  ['debug', ''],
  ['sysrootwait', `=${BOOT_DEFAULTS.sysrootWaitSec}`],
  ['rebootonfailure', ''],
  ['break', '=mount-root'],
  ['memory', '=server'],
]);

export const STANZA_NAMES: readonly string[] = [...EXAMPLES.keys()];

/** `rd.immucore.mount=<device>:<mountpoint>`: the volume, or the problem with it. */
export function parseMountToken(tok: Token): {volume: Volume} | {problem: Problem} {
  const v = parseRequired(tok.value);
  const vol = v.ok ? parseVolume(v.value) : v;
  if (vol.ok) return {volume: vol.value};
  const hint = `${VOLUME_HINT} On the cmdline: ${tok.key}=LABEL=DATA:/var/lib/data.`;
  return {problem: invalid('Volume', tok, vol.reason, 'skipping this volume', hint)};
}

/**
 * `rd.immucore.break=a,b`: the steps to stop before, and a problem for each name that is not a
 * step of the boot graph (with a did-you-mean), so a typo is told at once, not by a boot that
 * never stops.
 */
export function parseBreakToken(tok: Token): {steps: string[]; problems: Problem[]} {
  const names = (tok.value ?? '').split(',').filter((s) => s !== '');
  if (names.length === 0) {
    const reason = tok.value === undefined ? 'is missing' : 'names no step';
    const hint = `Name the steps to stop before, comma separated, e.g. ${tok.key}=mount-root,mount-overlay-base.`;
    return {steps: [], problems: [invalid('Break list', tok, reason, 'not stopping anywhere', hint)]};
  }
  const known = (n: string) => (STEP_NAMES as readonly string[]).includes(n);
  const problems = names.filter((n) => !known(n)).map((n) => unknownBreakStep(tok, n));
  return {steps: names.filter(known), problems};
}

function unknownBreakStep(tok: Token, name: string): Problem {
  const near = closestName(name, STEP_NAMES);
  const hint =
    near === undefined
      ? `Name steps of the boot graph (immucore plan lists them): ${STEP_NAMES.join(', ')}.`
      : `Did you mean ${near}? e.g. ${tok.key}=${near}.`;
  return invalid('Break list', tok, `"${name}" is not a boot step`, `not stopping before "${name}"`, hint);
}

function example(prefix: string, name: string): string {
  const value = EXAMPLES.get(name) ?? '';
  if (value === '') return `It is a flag: write ${prefix}${name} to turn it on.`;
  return `e.g. ${prefix}${name}${value}.`;
}

/** A warning for an `rd.immucore.*` / `rd.cos.*` stanza immucore does not know. */
export function unknownStanza(tok: Token, key: StanzaKey): Problem {
  const near = closestName(key.name, STANZA_NAMES);
  const hint =
    near === undefined
      ? `Use one of the stanzas documented in SPEC §2 "Kernel command line": ${STANZA_NAMES.map((n) => `${key.prefix}${n}`).join(', ')}.`
      : `Did you mean ${key.prefix}${near}? ${example(key.prefix, near)}`;
  return warning(
    tok.text,
    `Unknown stanza "${tok.text}": immucore has no ${key.prefix}${key.name}, ignoring.`,
    hint,
  );
}
