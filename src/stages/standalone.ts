// Running one stage outside a boot, for `immucore stages run` in the recovery shell: the same
// runner, its failures and warnings handed back instead of going into a boot report.
import type {BootConfig} from '../boot/boot-config.ts';
import type {Logger} from '../log/logger.ts';
import type {Sys} from '../sys/sys.ts';
import {CloudConfigStages, type StageIssue, type StageSummary} from './runner.ts';
import type {StageName} from './types.ts';

export interface StandaloneResult extends StageSummary {
  failures: StageIssue[];
  warnings: StageIssue[];
}

/** Run `stage` on `sys` with the cmdline's config_url and dot notation. */
export async function runStageStandalone(opts: {
  sys: Sys;
  stage: StageName;
  config: Pick<BootConfig, 'configUrl' | 'dotNotation'>;
  log: Logger;
  signal?: AbortSignal;
}): Promise<StandaloneResult> {
  const failures: StageIssue[] = [];
  const warnings: StageIssue[] = [];
  const summary = await new CloudConfigStages().runStage(opts.stage, {
    sys: opts.sys,
    log: opts.log.child({step: `${opts.stage}-stage`}),
    signal: opts.signal ?? new AbortController().signal,
    config: opts.config,
    failure: (i) => failures.push(i),
    warning: (i) => warnings.push(i),
  });
  return {...summary, failures, warnings};
}
