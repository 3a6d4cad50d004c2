// The memory policy as the running system would get it at its next boot, for `immucore memory
// show|render|check`: the same sources, presets and checks as the memory-policy step, seen from
// `/` (or a test root) instead of `/sysroot`.
import type {BootConfig} from '../boot/boot-config.ts';
import {decideLayout, type LayoutFiles} from '../boot/layout.ts';
import type {Problem} from '../boot/problem.ts';
import {type BootStateName, decideBootState} from '../boot/state.ts';
import {type Sys, SysError} from '../sys/sys.ts';
import {decideMemoryBudget, FLOOR_MIB, type MemoryBudget} from './budget.ts';
import {loadMemoryPolicy} from './load.ts';
import type {EffectivePolicy} from './policy.ts';
import {renderNohangConf} from './render.ts';

export interface InspectOptions {
  sys: Sys;
  /** The cmdline (read by src/inputs). */
  config: BootConfig;
  /** The layout files, for the overlay tmpfs the budget counts. */
  layout: LayoutFiles;
  /** The boot state to decide for; default the cmdline's. */
  state?: BootStateName;
  /** A policy file (read by the caller) to try instead of the cloud-configs and rd.immucore.memory. */
  policyFile?: {file: string; text: string | undefined};
}

export interface InspectedPolicy {
  state: BootStateName;
  policy: EffectivePolicy;
  budget?: MemoryBudget;
  /** Errors and warnings: the policy's, then the budget's. */
  problems: Problem[];
  /** The rendered nohang.conf; undefined for `off`. */
  text?: string;
}

export async function inspectMemoryPolicy(opts: InspectOptions): Promise<InspectedPolicy> {
  const {sys} = opts;
  const {config} = opts;
  const state = opts.state ?? decideBootState(config).state;
  const {overlay, overlayLine} = decideLayout(config, opts.layout).value;
  const {policy, memTotalKiB} = await loadMemoryPolicy({
    sys,
    root: '/',
    config,
    state,
    ...(opts.policyFile ? {policyFile: opts.policyFile} : {}),
  });
  const decided =
    memTotalKiB === undefined
      ? {problems: []}
      : decideMemoryBudget(policy, memTotalKiB, overlay, FLOOR_MIB, overlayLine);
  const text = renderNohangConf(policy);
  return {
    state,
    policy,
    ...(decided.budget ? {budget: decided.budget} : {}),
    problems: [...policy.errors, ...policy.warnings, ...decided.problems],
    ...(text === undefined ? {} : {text}),
  };
}

export type NohangCheck = {ran: false} | {ran: true; ok: boolean; exitCode: number; output: string};

/** `nohang --check -c <file>` on the rendered text, when nohang is installed here. */
export async function runNohangCheck(sys: Sys, text: string): Promise<NohangCheck> {
  const file = `/tmp/immucore-memory-check-${process.pid}.conf`;
  await sys.mkdirp('/tmp');
  await sys.writeText(file, text);
  try {
    const all = Array.from({length: 256}, (_, i) => i);
    const r = await sys.run(['nohang', '--check', '-c', sys.resolvePath(file)], {okExitCodes: all});
    return {ran: true, ok: r.exitCode === 0, exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}`.trim()};
  } catch (err) {
    if (err instanceof SysError && err.code === 'ENOENT') return {ran: false};
    throw err;
  } finally {
    await sys.run(['rm', '-f', '--', sys.resolvePath(file)]).catch(() => undefined);
  }
}
