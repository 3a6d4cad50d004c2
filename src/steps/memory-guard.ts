// The guard around the stage steps (SPEC §10): while a stage runs, a step that drives the machine
// to the policy's hard threshold has its process group killed and is marked failed with the
// reason; the stage and the boot go on. And immucore itself is the last thing the kernel's OOM
// killer may pick.

import {readMeminfo} from '../inputs/read-inputs.ts';
import type {Logger} from '../log/logger.ts';
import {decideGuardLimits, GUARD_PERIOD_MS, MemoryGuard} from '../memory/guard.ts';
import {parseMeminfo} from '../memory/meminfo.ts';
import type {EffectivePolicy} from '../memory/policy.ts';
import {buildGuardReport, type GuardRunReport} from '../memory/report.ts';
import type {Sys} from '../sys/sys.ts';
import type {StepContext} from './context.ts';

export const OOM_SCORE_ADJ = '/proc/self/oom_score_adj';

export interface GuardOptions {
  periodMs?: number;
}

/**
 * Run `run` (a stage) with the memory guard watching it. `policy` is the policy to guard with; it
 * is settled alongside the stage, so deciding it never delays the boot.
 */
export async function runGuarded(
  ctx: StepContext,
  policy: Promise<EffectivePolicy>,
  run: () => Promise<unknown>,
  opts: GuardOptions = {},
): Promise<void> {
  const guard = startGuard(ctx, policy, opts.periodMs ?? GUARD_PERIOD_MS).catch((err: Error) => {
    ctx.log.warn(`memory guard not started: ${err.message}, ignoring.`);
    return undefined;
  });
  try {
    await run();
  } finally {
    const started = await guard;
    if (started) {
      await started.guard.stop();
      started.report.samples = started.guard.samples;
    }
  }
}

async function startGuard(
  ctx: StepContext,
  policyPromise: Promise<EffectivePolicy>,
  periodMs: number,
): Promise<{guard: MemoryGuard; report: GuardRunReport} | undefined> {
  const off = (why: string) => {
    ctx.log.info(`memory guard off: ${why}`);
    recordRun(ctx, {step: ctx.step, off: why, kills: []});
    return undefined;
  };
  const [meminfo, policy] = await Promise.all([readMeminfo(ctx.sys), policyPromise]);
  const {memTotalKiB, memAvailableKiB} = parseMeminfo(meminfo ?? '');
  if (memTotalKiB === undefined || memAvailableKiB === undefined)
    return off('no MemTotal and MemAvailable in /proc/meminfo');
  const limits = decideGuardLimits(policy, memTotalKiB);
  if (!limits) return off(`the memory policy is off (${policy.presetSource})`);
  const report = buildGuardReport(ctx.step, limits, periodMs);
  recordRun(ctx, report);
  const stages = ctx.boot.stages;
  const guard = new MemoryGuard({
    sys: ctx.sys,
    limits,
    periodMs,
    onBreach: (reason) => {
      const running = stages.runningStep;
      // Only a step running a tool holds memory the guard can give back.
      if (running?.processGroup === undefined) return;
      if (!stages.killRunningStep(`memory guard: ${reason}`)) return;
      ctx.log.warn(
        `memory guard: killed process group ${running.processGroup} of ${running.label}: ${reason}`,
      );
      report.kills.push({item: running.label, processGroup: running.processGroup, reason});
    },
  });
  guard.start();
  ctx.log.info(
    `memory guard on every ${periodMs} ms: stop a step at MemAvailable ≤ ${report.hardThresholdMiB} MiB (${limits.memSetting})` +
      `${limits.psi ? ` or ${limits.psi.metric} > ${limits.psi.max} for ${limits.psi.durationSec} s` : ''}`,
  );
  return {guard, report};
}

function recordRun(ctx: StepContext, run: GuardRunReport): void {
  ctx.boot.memory.guard = [...(ctx.boot.memory.guard ?? []), run];
}

/** immucore's own oom_score_adj to -1000, so the OOM killer never takes the boot manager. */
export async function protectFromOomKiller(sys: Sys, log: Logger): Promise<void> {
  if (!(await sys.exists('/proc/self'))) {
    log.debug(`no /proc/self under the root: not setting ${OOM_SCORE_ADJ}`);
    return;
  }
  try {
    await sys.writeText(OOM_SCORE_ADJ, '-1000\n');
  } catch (err) {
    log.warn(`cannot set ${OOM_SCORE_ADJ} to -1000: ${(err as Error).message}, ignoring.`);
  }
}
