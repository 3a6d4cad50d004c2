// One boot, end to end: read the cmdline, plan, run the steps, write the report, and on a fatal
// failure paint the failure screen and stop the initrd (SPEC §9).
import {decideFailureAction} from '../boot/failure-action.ts';
import {planBoot} from '../boot/plan.ts';
import {runSteps, type StepRecord} from '../dag/index.ts';
import {readInputs} from '../inputs/read-inputs.ts';
import {createLogger, type Logger} from '../log/logger.ts';
import type {BootReport} from '../report/boot-report.ts';
import {renderFailureLog, renderFailureScreen} from '../report/failure-screen.ts';
import {CloudConfigStages} from '../stages/runner.ts';
import {createConsoleWriter} from '../sys/console.ts';
import {openLogFile} from '../sys/log-file.ts';
import type {Sys} from '../sys/sys.ts';
import {runAfterFailure} from './after-failure.ts';
import {bootSteps} from './boot-steps.ts';
import {runBreakShell} from './break-shell.ts';
import {BootSession, type StageRunner, type StepContext} from './context.ts';
import {protectFromOomKiller} from './memory-guard.ts';
import {completedByRetry, type RetryPlan} from './retried.ts';
import {
  buildBootReport,
  FAILURE_FILE,
  LOG_FILE,
  PRIVATE_MODE,
  REPORT_FILE,
  writeBootReport,
} from './write-report.ts';

export interface BootOptions {
  sys: Sys;
  stages?: StageRunner;
  signal?: AbortSignal;
  /** Where readable log lines and the failure screen go; default stderr (src/sys/console.ts). */
  console?: (text: string) => void;
  /** In the initramfs (root `/`): break shells and reboots are real. */
  live?: boolean;
  /** Write the JSON log to the root's /run/immucore/immucore.log (default), or not (unit tests). */
  logFile?: boolean;
  /**
   * A run of `immucore retry` in the emergency shell: its steps to skip, recorded in the report;
   * no break shell, and a failure is only shown (the person at the shell decides what is next).
   */
  retry?: RetryPlan;
}

export interface BootOutcome {
  report: BootReport;
  /** 0 for ok and degraded; 1 when the system cannot boot; 143 when stopped by SIGTERM. */
  exitCode: number;
}

export async function runBoot(opts: BootOptions): Promise<BootOutcome> {
  const {sys} = opts;
  const startedAt = new Date();
  const t0 = performance.now();
  const signal = opts.signal ?? new AbortController().signal;
  // A console that is gone (EPIPE, EIO) costs the console only: said once, in the log file.
  let lost: ((err: Error) => void) | undefined;
  const write = opts.console ?? createConsoleWriter({onLost: (err) => lost?.(err)});
  const {config} = await readInputs(sys);
  const plan = planBoot(config);
  const log = await openLog(sys, {file: opts.logFile !== false, console: write, debug: config.debug});
  lost = (err) =>
    log.warn(
      `cannot write to the console (stderr: ${err.message}): console lines are dropped from here on; ${LOG_FILE} keeps every line, ignoring.`,
    );
  const retried = opts.retry ? undefined : await completedByRetry(sys);
  if (retried) {
    // dracut starts the initrd target again when the emergency shell exits, and with it this unit.
    log.info(
      `this boot was completed by \`immucore retry\` (attempt ${retried.retry?.attempt}, ${retried.status}) in the emergency shell: nothing to run again`,
    );
    log.flush();
    return {report: retried, exitCode: 0};
  }
  if (opts.retry)
    log.info(
      `immucore retry (attempt ${opts.retry.record.attempt}, after a run that ${opts.retry.record.previous === 'cancelled' ? 'was stopped' : 'failed'}): running the plan again`,
    );
  log.info(`${plan.state.state} boot, ${plan.state.mode} plan, ${plan.steps.length} steps`);
  await protectFromOomKiller(sys, log);
  for (const p of plan.problems)
    log[p.level === 'error' ? 'error' : 'warn'](
      `${p.message} ("${p.input}"); using the default. Try: ${p.hint}`,
    );

  const records = new Map<string, StepRecord>();
  const timing = () => ({startedAt, durationMs: performance.now() - t0});
  const boot = new BootSession({
    plan,
    stages: opts.stages ?? new CloudConfigStages(),
    records: () => [...records.values()],
    timing,
  });
  if (opts.retry) boot.retry = opts.retry.record;
  const skip = opts.retry?.skip ?? new Map<string, string>();
  const steps = bootSteps(plan).map((s) => {
    const why = skip.get(s.name);
    return why === undefined ? s : {...s, when: () => why};
  });
  const result = await runSteps(steps, {
    signal,
    context: (step): StepContext => ({
      plan,
      sys,
      log: log.child({step: step.name}),
      signal,
      boot,
      step: step.name,
    }),
    beforeStep: async (step) => {
      if (!opts.retry && config.breakBefore.includes(step.name))
        await runBreakShell({sys, log, step: step.name, live: opts.live === true});
    },
    onEvent: (e) => {
      const prefix = `step ${e.step} ${e.position}`;
      if (e.type === 'start') {
        records.set(e.step, {name: e.step, outcome: 'ok', startMs: e.atMs});
        log.debug(`${prefix}: starting`);
      } else if (e.type === 'done') {
        records.set(e.step, {...records.get(e.step), name: e.step, outcome: 'ok', durationMs: e.durationMs});
        log.info(`${prefix}: done in ${Math.round(e.durationMs)}ms`);
      } else if (e.type === 'failed') {
        records.set(e.step, {
          ...records.get(e.step),
          name: e.step,
          outcome: 'failed',
          durationMs: e.durationMs,
          error: e.error,
        });
        log.error(e.error.message);
      } else {
        records.set(e.step, {name: e.step, outcome: 'skipped', skipReason: e.reason});
        log.info(`${prefix}: skipped (${e.reason})`);
      }
    },
  });

  // The exit code follows the boot, never the report: a boot that mounted everything still
  // switches root when /run/immucore cannot be written.
  const report = buildBootReport(boot, result.records, result.status, timing());
  await writeBootReport(sys, report, result.records).catch((err) =>
    log.error(
      `cannot write the boot report ${REPORT_FILE}: ${messageOf(err)}; the boot goes on without it (immucore status will have nothing to show)`,
    ),
  );
  log.info(
    `boot ${report.status} in ${Math.round(report.durationMs)}ms; critical path: ${report.criticalPath.join(' → ')}`,
  );
  if (result.status === 'failed' || result.status === 'cancelled') {
    const cancelled = result.status === 'cancelled';
    const failed = result.fatal ?? result.records.find((r) => r.outcome === 'failed');
    // A SIGTERM between two steps fails none: the screen names the first one it kept from starting.
    const kept = result.records.find((r) => r.outcome === 'skipped' && r.skipReason === 'cancelled');
    const facts = {
      plan,
      step: failed?.name ?? 'none',
      ...(failed === undefined && kept ? {stoppedBefore: kept.name} : {}),
      error: failed?.error ?? new Error('immucore was stopped (SIGTERM) before the boot was complete'),
      logFile: LOG_FILE,
      reportFile: REPORT_FILE,
      // Stopped by SIGTERM, systemd decides what comes next: nothing is held or rebooted.
      next: cancelled
        ? ({kind: 'shell', reason: 'stopped by SIGTERM'} as const)
        : opts.retry
          ? ({kind: 'stay', reason: 'immucore retry in the emergency shell'} as const)
          : decideFailureAction(config),
      cancelled,
    };
    await sys
      .writeText(FAILURE_FILE, renderFailureLog(facts), {mode: PRIVATE_MODE})
      .catch((err) =>
        log.error(`cannot write ${FAILURE_FILE}: ${messageOf(err)}; the screen below says it all`),
      );
    // A retry runs in the shell on the console: the screen goes to its output only, and what
    // comes next is the person's call.
    await paintFailureScreen(sys, opts.retry ? [] : config.consoles, renderFailureScreen(facts), write, log);
    if (!opts.retry) await runAfterFailure({sys, log, action: facts.next, signal, live: opts.live === true});
  }
  log.flush();
  return {report, exitCode: result.status === 'cancelled' ? 143 : result.status === 'failed' ? 1 : 0};
}

/**
 * The boot log: JSON lines in /run/immucore/immucore.log and readable lines on the console. A log
 * file that cannot be opened costs the file, not the boot.
 */
async function openLog(
  sys: Sys,
  opts: {file: boolean; console: (text: string) => void; debug: boolean},
): Promise<Logger> {
  const consoleOnly = () => createLogger({console: opts.console, debug: opts.debug});
  if (!opts.file) return consoleOnly();
  try {
    await sys.mkdirp('/run/immucore');
    const file = sys.resolvePath(LOG_FILE);
    return createLogger({
      file: {path: file, open: (onError) => openLogFile(file, onError)},
      console: opts.console,
      debug: opts.debug,
    });
  } catch (err) {
    const log = consoleOnly();
    log.error(`cannot open the log file ${LOG_FILE}: ${messageOf(err)}; logging to the console only`);
    return log;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// The screen goes to our own output (the unit sends it to journal and console) and to every
// console= device, because on a headless edge box the serial console may be the only one read.
async function paintFailureScreen(
  sys: Sys,
  consoles: string[],
  screen: string,
  write: (t: string) => void,
  log: Logger,
): Promise<void> {
  write(screen);
  for (const tty of consoles) {
    try {
      await sys.writeText(`/dev/${tty}`, screen.replaceAll('\n', '\r\n'));
    } catch (err) {
      log.warn(`cannot paint the failure screen on /dev/${tty}: ${(err as Error).message}, ignoring.`);
    }
  }
}
