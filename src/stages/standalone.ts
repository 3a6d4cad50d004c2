// Running one stage outside a boot, for `immucore stages run` in the recovery shell: the same
// runner, with a session of its own whose failures and warnings are handed back.
import {parseCmdline} from '../boot/cmdline.ts';
import {planBoot} from '../boot/plan.ts';
import type {ItemFailure} from '../report/boot-report.ts';
import type {Logger} from '../report/logger.ts';
import {BootSession} from '../steps/context.ts';
import type {Sys} from '../sys/sys.ts';
import {CloudConfigStages, type StageSummary} from './runner.ts';
import type {StageName} from './types.ts';

export interface StandaloneResult extends StageSummary {
  failures: ItemFailure[];
  warnings: ItemFailure[];
}

/** Run `stage` on `sys` with the cmdline found at its /proc/cmdline (config_url, dot notation). */
export async function runStageStandalone(opts: {
  sys: Sys;
  stage: StageName;
  log: Logger;
  signal?: AbortSignal;
}): Promise<StandaloneResult> {
  const config = parseCmdline((await opts.sys.readText('/proc/cmdline')) ?? '');
  const plan = planBoot(config);
  const runner = new CloudConfigStages();
  const started = new Date();
  const boot = new BootSession({
    plan,
    stages: runner,
    records: () => [],
    timing: () => ({startedAt: started, durationMs: Date.now() - started.getTime()}),
  });
  const step = `${opts.stage}-stage`;
  const summary = await runner.runStageSummary(opts.stage, {
    plan,
    sys: opts.sys,
    log: opts.log.child({step}),
    signal: opts.signal ?? new AbortController().signal,
    boot,
    step,
  });
  return {...summary, failures: boot.failures, warnings: boot.warnings};
}
