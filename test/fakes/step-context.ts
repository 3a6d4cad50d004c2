// A StepContext for unit tests of one boot step on the fake Sys: the plan for a cmdline, a boot
// session, and (with `layout`) the mount plan load-layout would have made.

import {parseCmdline} from '../../src/boot/cmdline.ts';
import {planMounts} from '../../src/boot/mount-plan.ts';
import {planBoot} from '../../src/boot/plan.ts';
import {silentLogger} from '../../src/log/logger.ts';
import {CloudConfigStages} from '../../src/stages/runner.ts';
import {BootSession, type StageRunner, type StepContext} from '../../src/steps/context.ts';
import type {Sys} from '../../src/sys/sys.ts';

export const ACTIVE_CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

export function stepContext(
  sys: Sys,
  opts: {cmdline?: string; step?: string; stages?: StageRunner; layout?: string; signal?: AbortSignal} = {},
): StepContext {
  const plan = planBoot(parseCmdline(opts.cmdline ?? ACTIVE_CMDLINE));
  const boot = new BootSession({
    plan,
    stages: opts.stages ?? new CloudConfigStages(),
    records: () => [],
    timing: () => ({startedAt: new Date(0), durationMs: 0}),
  });
  if (opts.layout !== undefined) boot.setMountPlan(planMounts(plan.config, {layout: opts.layout}));
  return {
    plan,
    sys,
    log: silentLogger(),
    signal: opts.signal ?? new AbortController().signal,
    boot,
    step: opts.step ?? 'rootfs-stage',
  };
}
