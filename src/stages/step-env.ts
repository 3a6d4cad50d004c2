// What a directive gets while a step runs: the stage's view, a logger, a way to run a tool inside
// the view (chrooted, in its own process group, within the step's deadline) and to record a
// warning that does not fail the step.
import type {Logger} from '../log/logger.ts';
import type {RootView} from '../sys/root-view.ts';
import {formatArgv, type RunResult, SysError} from '../sys/sys.ts';

/** Commands see a normal PATH even when immucore was started with an empty environment. */
const STAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MAX_LOGGED_OUTPUT = 4000;

export interface StepEnv {
  readonly view: RootView;
  readonly log: Logger;
  /** Run `argv` as seen from the view; a non-zero exit outside `okExitCodes` throws a SysError. */
  exec(argv: string[], opts?: {okExitCodes?: number[]}): Promise<RunResult>;
  /** A problem that does not fail the step (goes to the boot report's warnings). */
  warn(item: string, message: string, hint: string): void;
}

export interface StepEnvOptions {
  view: RootView;
  log: Logger;
  signal: AbortSignal;
  /** `Date.now()` value after which the step has run out of time. */
  deadline: number;
  timeoutSec: number;
  /** The process group of the tool now running, then `undefined` once it has ended. */
  onProcess: (pid: number | undefined) => void;
  warn: StepEnv['warn'];
}

/** `chroot <root> argv…`, or argv alone when the view is the machine's own root. */
export function viewArgv(view: RootView, argv: readonly string[]): string[] {
  return view.isLiveRoot ? [...argv] : ['chroot', view.realRoot, ...argv];
}

export function createStepEnv(opts: StepEnvOptions): StepEnv {
  const {view, log, signal} = opts;
  return {
    view,
    log,
    warn: opts.warn,
    async exec(argv, o = {}) {
      const left = opts.deadline - Date.now();
      if (signal.aborted)
        throw new SysError(`${formatArgv(argv)} not started: the step was stopped`, {code: 'ABORT_ERR'});
      if (left <= 0)
        throw new SysError(`${formatArgv(argv)} not started: the step's ${opts.timeoutSec} s are up`, {
          code: 'ETIMEDOUT',
        });
      const result = await view.sys
        .run(viewArgv(view, argv), {
          processGroup: true,
          timeoutMs: left,
          signal,
          onSpawn: opts.onProcess,
          env: {PATH: STAGE_PATH},
          cwd: view.isLiveRoot ? '/' : view.root,
          ...(o.okExitCodes ? {okExitCodes: o.okExitCodes} : {}),
        })
        .finally(() => opts.onProcess(undefined));
      const output = `${result.stdout}\n${result.stderr}`.trim();
      if (output)
        log.info(
          `${formatArgv(argv)}: ${output.length > MAX_LOGGED_OUTPUT ? `…${output.slice(-MAX_LOGGED_OUTPUT)}` : output}`,
        );
      return result;
    },
  };
}
