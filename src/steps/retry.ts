// `immucore retry` (issue #12): in dracut's emergency shell after a fatal failure, run the plan
// again once the person at the console has fixed what failed. Every step runs again: the mount
// helpers answer `already` for what is mounted (the stale-loop reuse, SPEC §4), so what worked
// stays and what failed is retried. The stages are the exception: a yip stage runs once per boot
// (its commands need not be idempotent), so a stage that completed in an earlier run is skipped.
// Once a retry has completed the boot, `exit` leaves the shell and dracut starts the initrd
// target again, which starts immucore.service again: that run finds the retry's report and ends
// at once (completedByRetry) instead of running the stages a second time.
import {UsageError} from '../boot/errors.ts';
import type {BootReport} from '../report/boot-report.ts';
import type {Sys} from '../sys/sys.ts';
import {isUnfinished, type RetryPlan} from './retried.ts';
import {type BootOptions, type BootOutcome, runBoot} from './run-boot.ts';
import {REPORT_FILE} from './write-report.ts';

/** Steps a retry never runs twice once they completed: yip stages run once per boot. */
export const RUN_ONCE_STEPS: readonly string[] = ['rootfs-stage', 'initramfs-stage'];

/** Pure: the retry's attempt number and the steps it skips, from the previous report. */
export function planRetry(previous: BootReport, at: Date): RetryPlan {
  const skip = new Map<string, string>();
  for (const s of previous.steps) {
    if (RUN_ONCE_STEPS.includes(s.name) && s.outcome === 'ok')
      skip.set(s.name, 'completed in an earlier run of this boot; a stage runs once per boot');
  }
  return {
    record: {
      attempt: (previous.retry?.attempt ?? 0) + 1,
      at: at.toISOString(),
      previous: previous.status,
      ...(skip.size ? {skipped: [...skip.keys()]} : {}),
    },
    skip,
  };
}

/** The report this boot wrote so far, or a clear error when there is none or it cannot be read. */
export async function readPreviousReport(sys: Sys): Promise<BootReport> {
  const text = await sys.readText(REPORT_FILE).catch((err: Error) => {
    throw new UsageError(`Cannot read the boot report ${REPORT_FILE}: ${err.message}`, {
      cause: err,
      input: REPORT_FILE,
      hint: 'Run it as root in the initramfs emergency shell.',
    });
  });
  if (text === undefined)
    throw new UsageError(`No boot report at ${REPORT_FILE}: immucore has not run in this boot`, {
      input: REPORT_FILE,
      hint: 'immucore retry runs a boot again after it failed; run `immucore run` for a first run.',
    });
  try {
    return JSON.parse(text) as BootReport;
  } catch (err) {
    throw new UsageError(`The boot report ${REPORT_FILE} is not JSON: ${(err as Error).message}`, {
      cause: err,
      input: REPORT_FILE,
      hint: `Move it away (mv ${REPORT_FILE} ${REPORT_FILE}.bad) and run \`immucore run\` again.`,
    });
  }
}

export type RetryOutcome =
  | {kind: 'not-needed'; previous: BootReport}
  | {kind: 'ran'; plan: RetryPlan; outcome: BootOutcome};

/**
 * Run the boot again after a failed (or stopped) run. A boot that completed (ok or degraded) is
 * not run again: there is nothing to retry, and its stages would run twice.
 */
export async function runRetry(opts: Omit<BootOptions, 'retry'> & {now?: () => Date}): Promise<RetryOutcome> {
  const previous = await readPreviousReport(opts.sys);
  if (!isUnfinished(previous.status)) return {kind: 'not-needed', previous};
  const plan = planRetry(previous, (opts.now ?? (() => new Date()))());
  const outcome = await runBoot({...opts, retry: plan});
  return {kind: 'ran', plan, outcome};
}
