// The boot report and timeline under /run/immucore (SPEC §8). Written by the `report` step, and
// once more when the run has ended so the report step's own timing and the final status are in.
import {criticalPath, type RunResult, type StepRecord} from '../dag/index.ts';
import {type BootReport, buildReport} from '../report/boot-report.ts';
import {renderTimeline} from '../report/timeline.ts';
import type {Sys} from '../sys/sys.ts';
import type {BootSession, StepContext} from './context.ts';

export const REPORT_FILE = '/run/immucore/report.json';
export const TIMELINE_FILE = '/run/immucore/boot-timeline.json';
export const LOG_FILE = '/run/immucore/immucore.log';
export const FAILURE_FILE = '/run/immucore/boot_failure.log';

export interface ReportTiming {
  startedAt: Date;
  durationMs: number;
}

/** The report for the records so far; written by writeBootReport. */
export function buildBootReport(
  boot: BootSession,
  records: StepRecord[],
  status: RunResult['status'],
  timing: ReportTiming,
): BootReport {
  return buildReport({
    plan: boot.plan,
    problems: boot.problems,
    records,
    status,
    mounts: boot.mounts,
    failures: boot.failures,
    warnings: boot.warnings,
    criticalPath: criticalPath(records, boot.plan.steps),
    memory: boot.memory,
    seeds: boot.seeds,
    assessment: boot.assessment,
    encryption: boot.unlocks,
    ...(boot.retry ? {retry: boot.retry} : {}),
    ...timing,
  });
}

/**
 * report.json, then the timeline, both 0600 (SPEC §8); throws the first write that fails. The
 * report holds the whole cmdline, which may carry tokens, and the timeline each step's error,
 * which quotes its input (a config URL, a volume): /run moves into the booted system, where
 * every user could read them. `immucore status` says to run it as root. Written whole or not at
 * all (temp file, rename): a full /run (a stage step filled it) left an empty report.json, which
 * `status` could not read; no flush, the report lives in RAM.
 */
export async function writeBootReport(sys: Sys, report: BootReport, records: StepRecord[]): Promise<void> {
  await sys.mkdirp('/run/immucore');
  await sys.writeText(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`, {
    mode: PRIVATE_MODE,
    atomic: 'unflushed',
  });
  const timeline = renderTimeline(records, {
    state: report.state,
    status: report.status,
    criticalPath: report.criticalPath,
  });
  await sys.writeText(TIMELINE_FILE, `${JSON.stringify(timeline)}\n`, {
    mode: PRIVATE_MODE,
    atomic: 'unflushed',
  });
}

/** The mode of every file under /run/immucore: root only. */
export const PRIVATE_MODE = 0o600;

/** The `report` step: everything else has settled; the status is what the records say so far. */
export async function writeReport(ctx: StepContext): Promise<void> {
  const records = ctx.boot.records();
  const failed = records.some((r) => r.outcome === 'failed');
  const fatal = records.some(
    (r) => r.outcome === 'failed' && ctx.plan.steps.find((s) => s.name === r.name)?.policy === 'fatal',
  );
  const status = ctx.signal.aborted ? 'cancelled' : fatal ? 'failed' : failed ? 'degraded' : 'ok';
  const report = buildBootReport(ctx.boot, records, status, ctx.boot.timing());
  await writeBootReport(ctx.sys, report, records);
  ctx.log.info(
    `boot ${report.status}: ${report.mounts.length} mounts, critical path ${report.criticalPath.join(' → ')}`,
  );
}
