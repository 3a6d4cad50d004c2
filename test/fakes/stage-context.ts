// Unit-test helpers for the stages: a StageContext and a StepEnv on a Sys (usually the FakeSys),
// and a reader for the shell commands the fake was asked to run.

import {parseCmdline} from '../../src/boot/cmdline.ts';
import {silentLogger} from '../../src/log/logger.ts';
import type {StageContext, StageIssue} from '../../src/stages/runner.ts';
import {createStepEnv, type StepEnv} from '../../src/stages/step-env.ts';
import {RootView} from '../../src/sys/root-view.ts';
import type {Sys} from '../../src/sys/sys.ts';
import {ACTIVE_CMDLINE} from './step-context.ts';

export type {RunScript} from './fake-sys.ts';

/** A StageContext on `sys` with the cmdline given; what the stage reports lands in `failures` and `warnings`. */
export function stageContext(
  sys: Sys,
  opts: {cmdline?: string; signal?: AbortSignal} = {},
): StageContext & {failures: StageIssue[]; warnings: StageIssue[]} {
  const failures: StageIssue[] = [];
  const warnings: StageIssue[] = [];
  return {
    sys,
    log: silentLogger(),
    signal: opts.signal ?? new AbortController().signal,
    config: parseCmdline(opts.cmdline ?? ACTIVE_CMDLINE),
    failure: (i) => failures.push(i),
    warning: (i) => warnings.push(i),
    failures,
    warnings,
  };
}

/** The shell command of a recorded run (`chroot <root> /bin/sh -c X` or `/bin/sh -c X`), if it is one. */
export function shellCommand(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('-c');
  return i > 0 && argv[i - 1] === '/bin/sh' ? argv[i + 1] : undefined;
}

/** A StepEnv on `sys` seen from `root`, with a minute to run; warnings collected in `warnings`. */
export function stepEnv(sys: Sys, root = '/'): StepEnv & {warnings: string[]} {
  const warnings: string[] = [];
  const env = createStepEnv({
    view: new RootView(sys, root),
    log: silentLogger(),
    signal: new AbortController().signal,
    deadline: Date.now() + 60_000,
    timeoutSec: 60,
    onProcess: () => {},
    warn: (_item, message) => warnings.push(message),
  });
  return Object.assign(env, {warnings});
}
