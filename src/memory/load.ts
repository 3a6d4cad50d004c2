// Gather what the policy is decided from, through the sys seam: the `memory_policy` blocks of the
// cloud-config sources the stages read (SPEC §6, seen from the system's root: `/sysroot` in the
// initramfs, `/` in the booted system), nohang's packaged defaults in that root, and MemTotal.
import path from 'node:path';
import type {BootConfig} from '../boot/boot-config.ts';
import {error, type Problem, warning} from '../boot/problem.ts';
import type {BootStateName} from '../boot/state.ts';
import {type ConfigSources, readConfigSources, readMeminfo} from '../inputs/read-inputs.ts';
import type {Sys} from '../sys/sys.ts';
import {decideBase, type NohangBases, PACKAGED_CONF, PACKAGED_DESKTOP_CONF} from './base.ts';
import {parseMeminfo} from './meminfo.ts';
import type {EffectivePolicy, PolicyBlock} from './policy.ts';
import {type ParsedFile, parsePolicyFile} from './read-policy.ts';
import {decideMemoryPolicy} from './resolve.ts';

export interface LoadPolicyOptions {
  sys: Sys;
  /** The system's root as a Sys path: `/sysroot` during the boot, `/` after it. */
  root: string;
  config: Pick<BootConfig, 'memory' | 'configUrl'>;
  state: BootStateName;
  /**
   * A policy file to try instead of the cloud-configs and the cmdline's `rd.immucore.memory`, read
   * by the caller (it lies outside the root); `text` undefined when it could not be read.
   */
  policyFile?: {file: string; text: string | undefined};
  /** The cloud-config sources, when the caller has read them already (the rootfs stage's). */
  sources?: ConfigSources;
}

export interface LoadedPolicy {
  policy: EffectivePolicy;
  memTotalKiB?: number;
  /** The cloud-config files read (those without a block too). */
  files: string[];
}

export async function loadMemoryPolicy(opts: LoadPolicyOptions): Promise<LoadedPolicy> {
  const {sys, root} = opts;
  // Independent reads, at once: this runs on the boot's critical path.
  const [meminfo, {bases, problems}, sources] = await Promise.all([
    readMeminfo(sys),
    loadBases(sys, root),
    opts.policyFile ? undefined : (opts.sources ?? readConfigSources(sys, root, opts.config.configUrl)),
  ]);
  const memTotalKiB = parseMeminfo(meminfo ?? '').memTotalKiB;
  const extra: Problem[] = [...problems];
  const {parsed, files} = opts.policyFile
    ? readPolicyFile(opts.policyFile.file, opts.policyFile.text, memTotalKiB)
    : parseSources(sources?.sources ?? [], memTotalKiB);
  const blocks: PolicyBlock[] = [];
  for (const p of parsed) {
    if (p.syntaxError) extra.push(p.syntaxError);
    if (p.block) blocks.push(p.block);
  }
  const policy = decideMemoryPolicy({
    ...(opts.policyFile || opts.config.memory === undefined ? {} : {cmdline: opts.config.memory}),
    blocks,
    state: opts.state,
    bases,
    ...(memTotalKiB === undefined ? {} : {memTotalKiB}),
  });
  policy.warnings.unshift(...extra.filter((p) => p.level === 'warning'));
  policy.errors.unshift(...extra.filter((p) => p.level === 'error'));
  return {policy, ...(memTotalKiB === undefined ? {} : {memTotalKiB}), files};
}

/** nohang's packaged nohang.conf and nohang-desktop.conf in the root, or the built-in copies. */
export async function loadBases(sys: Sys, root: string): Promise<{bases: NohangBases; problems: Problem[]}> {
  const read = (file: string) => sys.readText(path.posix.join(root, file)).catch(() => undefined);
  const [nohangText, desktopText] = await Promise.all([read(PACKAGED_CONF), read(PACKAGED_DESKTOP_CONF)]);
  const nohang = decideBase('nohang', nohangText, PACKAGED_CONF);
  const desktop = decideBase('desktop', desktopText, PACKAGED_DESKTOP_CONF);
  return {
    bases: {nohang: nohang.base, desktop: desktop.base},
    problems: [...nohang.problems, ...desktop.problems],
  };
}

function parseSources(
  all: ConfigSources['sources'],
  memTotalKiB?: number,
): {parsed: ParsedFile[]; files: string[]} {
  // A source that could not be read is the stages' to report; for the policy it says nothing.
  const sources = all.flatMap((s) => ('text' in s ? [[s.label, s.text] as const] : []));
  const parsed = sources.map(([label, text]) => {
    // The stages report a file's syntax error; for the policy it is a source that says nothing.
    const p = parsePolicyFile(text, label, memTotalKiB);
    return p.syntaxError ? {syntaxError: {...p.syntaxError, level: 'warning' as const}} : p;
  });
  return {parsed, files: sources.map(([label]) => label)};
}

function readPolicyFile(
  file: string,
  text: string | undefined,
  memTotalKiB?: number,
): {parsed: ParsedFile[]; files: string[]} {
  if (text === undefined) {
    const problem = error(
      file,
      `Cannot read the policy file "${file}": no such file`,
      'Pass an existing YAML file.',
    );
    return {parsed: [{syntaxError: problem}], files: []};
  }
  const parsed = parsePolicyFile(text, file, memTotalKiB);
  if (!parsed.block && !parsed.syntaxError) {
    const msg = `The policy file "${file}" has no memory_policy block; the preset for the boot state applies`;
    parsed.syntaxError = warning(file, msg, 'Write the policy under a top-level memory_policy: key.');
  }
  return {parsed: [parsed], files: [file]};
}
