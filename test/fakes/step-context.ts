// A StepContext for unit tests of one boot step on the FakeSys: the plan for a cmdline, a boot
// session, (with `layout`) the mount plan load-layout would have made, and a log that keeps its lines.

import pino from 'pino';
import {parseCmdline} from '../../src/boot/cmdline.ts';
import {hintOf} from '../../src/boot/errors.ts';
import {planMounts} from '../../src/boot/mount-plan.ts';
import {planBoot} from '../../src/boot/plan.ts';
import type {StepRecord} from '../../src/dag/index.ts';
import type {Logger} from '../../src/log/logger.ts';
import {CloudConfigStages} from '../../src/stages/runner.ts';
import {BootSession, type StageRunner, type StepContext} from '../../src/steps/context.ts';
import type {Sys} from '../../src/sys/sys.ts';

export const ACTIVE_CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
}

const LEVELS: Record<number, LogLine['level']> = {20: 'debug', 30: 'info', 40: 'warn', 50: 'error'};

/** A logger that keeps every line, debug and up, in `lines`. */
export function recordingLogger(): Logger & {lines: LogLine[]} {
  const lines: LogLine[] = [];
  const log = pino(
    {level: 'debug', base: undefined, timestamp: false},
    {
      write: (s: string) => {
        const r = JSON.parse(s) as {level: number; msg: string};
        lines.push({level: LEVELS[r.level] ?? 'error', msg: r.msg});
      },
    },
  );
  return Object.assign(log, {lines});
}

export type TestStepContext = StepContext & {log: Logger & {lines: LogLine[]}};

export function stepContext(
  sys: Sys,
  opts: {
    cmdline?: string;
    step?: string;
    stages?: StageRunner;
    layout?: string;
    signal?: AbortSignal;
    records?: () => StepRecord[];
  } = {},
): TestStepContext {
  const plan = planBoot(parseCmdline(opts.cmdline ?? ACTIVE_CMDLINE));
  const boot = new BootSession({
    plan,
    stages: opts.stages ?? new CloudConfigStages(),
    records: opts.records ?? (() => []),
    timing: () => ({startedAt: new Date(0), durationMs: 0}),
  });
  if (opts.layout !== undefined) boot.setMountPlan(planMounts(plan.config, {layout: opts.layout}));
  return {
    plan,
    sys,
    log: recordingLogger(),
    signal: opts.signal ?? new AbortController().signal,
    boot,
    step: opts.step ?? 'rootfs-stage',
  };
}

/** What a step rejected with: its message, hint and cause (STYLE §4). Throws if it did not reject. */
export async function stepError(
  run: Promise<unknown>,
): Promise<{message: string; hint: string | undefined; cause: unknown; error: Error}> {
  const error = await run.then(
    () => {
      throw new Error('the step succeeded; expected it to fail');
    },
    (err: unknown) => err,
  );
  if (!(error instanceof Error)) throw new Error(`the step threw a non-Error: ${String(error)}`);
  return {message: error.message, hint: hintOf(error), cause: error.cause, error};
}
