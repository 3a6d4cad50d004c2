// What a retry hands the boot (run-boot.ts), and how a later `immucore run` in the same boot
// tells that a retry completed it. Apart from retry.ts, which runs the boot: no import cycle.
import type {BootReport, BootStatus, RetryRecord} from '../report/boot-report.ts';
import type {Sys} from '../sys/sys.ts';
import {REPORT_FILE} from './write-report.ts';

/** What the retry runs, decided from the report of the run before (planRetry). */
export interface RetryPlan {
  record: RetryRecord;
  /** Step name → why it is skipped this time. */
  skip: Map<string, string>;
}

/** A run that did not complete the boot: worth a retry. */
export function isUnfinished(status: BootStatus): boolean {
  return status === 'failed' || status === 'cancelled';
}

/**
 * Whether a `immucore run` has nothing to do: a retry in the emergency shell already completed
 * this boot (its report is in /run, which starts empty every boot). An unreadable report is not
 * an answer: the run goes on.
 */
export async function completedByRetry(sys: Sys): Promise<BootReport | undefined> {
  const text = await sys.readText(REPORT_FILE).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const report = JSON.parse(text) as BootReport;
    return report.retry && !isUnfinished(report.status) ? report : undefined;
  } catch {
    return undefined;
  }
}
