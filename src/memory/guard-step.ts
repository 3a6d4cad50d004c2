// The guard around the stage steps (SPEC §10): while a stage runs, a step that drives the machine
// to the policy's hard threshold has its process group killed and is marked failed with the
// reason; the stage and the boot go on. And immucore itself is the last thing the kernel's OOM
// killer may pick.
import {SYSROOT} from '../boot/plan.ts';
import type {Logger} from '../report/logger.ts';
import type {RunningStep} from '../stages/runner.ts';
import type {StageRunner, StepContext} from '../steps/context.ts';
import type {Sys} from '../sys/sys.ts';
import {decideGuardLimits, GUARD_PERIOD_MS, MemoryGuard} from './guard.ts';
import {loadMemoryPolicy} from './load.ts';
import {MEMINFO, parseMeminfo} from './meminfo.ts';
import {buildGuardReport, type GuardRunReport} from './report.ts';

export const OOM_SCORE_ADJ = '/proc/self/oom_score_adj';

interface KillableStages extends StageRunner {
  readonly runningStep: RunningStep | undefined;
  killRunningStep(reason: string): boolean;
}

function isKillable(stages: StageRunner): stages is KillableStages {
  return typeof (stages as Partial<KillableStages>).killRunningStep === 'function';
}

export interface GuardStepOptions {
  periodMs?: number;
}

/** `run` (a stage step) with the memory guard watching it. */
export function withMemoryGuard(
  run: (ctx: StepContext) => Promise<void>,
  opts: GuardStepOptions = {},
): (ctx: StepContext) => Promise<void> {
  return async (ctx) => {
    // The guard gets ready alongside the stage: reading the policy must not delay the boot.
    const guard = startGuard(ctx, opts.periodMs ?? GUARD_PERIOD_MS).catch((err: Error) => {
      ctx.log.warn(`memory guard not started: ${err.message}, ignoring.`);
      return undefined;
    });
    try {
      await run(ctx);
    } finally {
      const started = await guard;
      if (started) {
        await started.guard.stop();
        started.report.samples = started.guard.samples;
      }
    }
  };
}

async function startGuard(
  ctx: StepContext,
  periodMs: number,
): Promise<{guard: MemoryGuard; report: GuardRunReport} | undefined> {
  const off = (why: string) => {
    ctx.log.info(`memory guard off: ${why}`);
    recordRun(ctx, {step: ctx.step, off: why, kills: []});
    return undefined;
  };
  const stages = ctx.boot.stages;
  if (!isKillable(stages)) return off('the stage runner cannot stop a step');
  const {memTotalKiB, memAvailableKiB} = parseMeminfo((await ctx.sys.readText(MEMINFO)) ?? '');
  if (memTotalKiB === undefined || memAvailableKiB === undefined)
    return off(`no MemTotal and MemAvailable in ${MEMINFO}`);
  const {policy} = await loadMemoryPolicy({
    sys: ctx.sys,
    root: SYSROOT,
    config: ctx.plan.config,
    state: ctx.plan.state.state,
  });
  const limits = decideGuardLimits(policy, memTotalKiB);
  if (!limits) return off(`the memory policy is off (${policy.presetSource})`);
  const report = buildGuardReport(ctx.step, limits, periodMs);
  recordRun(ctx, report);
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
