// `immucore timeline`: the boot's steps from report.json as a table on a time axis, the critical
// path marked, for a serial console (ASCII only); and the same steps as a Chrome/Perfetto trace.
import type {BootReport} from './boot-report.ts';
import {renderTimeline} from './timeline.ts';

const BAR_WIDTH = 40;

type ReportStep = BootReport['steps'][number];

/** The steps that ran, in start order, then the skipped ones. */
function ordered(steps: readonly ReportStep[]): ReportStep[] {
  const ran = steps.filter((s) => s.startMs !== undefined);
  ran.sort((a, b) => (a.startMs as number) - (b.startMs as number));
  return [...ran, ...steps.filter((s) => s.startMs === undefined)];
}

/** A bar from start to end on a BAR_WIDTH axis of `total` ms; at least one mark for a step that ran. */
function bar(start: number, duration: number, total: number): string {
  const scale = total > 0 ? BAR_WIDTH / total : 0;
  const from = Math.min(BAR_WIDTH - 1, Math.floor(start * scale));
  const len = Math.max(1, Math.min(BAR_WIDTH - from, Math.round(duration * scale)));
  return `${' '.repeat(from)}${'#'.repeat(len)}`.padEnd(BAR_WIDTH);
}

export function renderTimelineTable(r: BootReport): string {
  const critical = new Set(r.criticalPath);
  const steps = ordered(r.steps);
  const total = Math.max(r.durationMs, ...steps.map((s) => (s.startMs ?? 0) + (s.durationMs ?? 0)));
  const nameWidth = Math.max(4, ...steps.map((s) => s.name.length));
  const ms = (n: number) => `${Math.round(n)}`.padStart(6);
  const out = [
    `${r.state} boot, ${r.status} in ${Math.round(r.durationMs)} ms, started ${r.startedAt}${r.retry ? ` (immucore retry, attempt ${r.retry.attempt})` : ''}`,
    '',
    `  ${'step'.padEnd(nameWidth)}  start ms  took ms  outcome  |${'0 ms'.padEnd(BAR_WIDTH - 8)}${`${Math.round(total)} ms`.padStart(8)}|`,
  ];
  for (const s of steps) {
    const mark = critical.has(s.name) ? '*' : ' ';
    if (s.startMs === undefined) {
      out.push(
        `${mark} ${s.name.padEnd(nameWidth)}  ${'-'.padStart(8)}  ${'-'.padStart(7)}  skipped  (${s.skipReason ?? 'not run'})`,
      );
      continue;
    }
    const took = s.durationMs ?? 0;
    out.push(
      `${mark} ${s.name.padEnd(nameWidth)}  ${ms(s.startMs).padStart(8)}  ${ms(took).padStart(7)}  ${s.outcome.padEnd(7)}  |${bar(s.startMs, took, total)}|`,
    );
  }
  const onPath = steps.filter((s) => critical.has(s.name));
  const pathMs = onPath.reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
  out.push(
    '',
    `* critical path, ${Math.round(pathMs)} ms of ${Math.round(total)} ms: ${r.criticalPath.join(' → ') || '(no step ran)'}`,
  );
  const failed = steps.filter((s) => s.outcome === 'failed');
  for (const s of failed) out.push(`failed: ${s.name}: ${s.error?.message ?? 'no message'}`);
  return `${out.join('\n')}\n`;
}

/** The report's steps as Chrome/Perfetto trace events (what /run/immucore/boot-timeline.json holds). */
export function reportTrace(r: BootReport): ReturnType<typeof renderTimeline> {
  return renderTimeline(r.steps, {state: r.state, status: r.status, criticalPath: r.criticalPath});
}

/** `immucore timeline --json`: each step with its times and whether it is on the critical path. */
export function timelineToJson(r: BootReport): Record<string, unknown> {
  const critical = new Set(r.criticalPath);
  return {
    status: r.status,
    state: r.state,
    durationMs: r.durationMs,
    criticalPath: r.criticalPath,
    steps: ordered(r.steps).map((s) => ({
      name: s.name,
      outcome: s.outcome,
      ...(s.startMs !== undefined ? {startMs: s.startMs, durationMs: s.durationMs ?? 0} : {}),
      ...(s.skipReason ? {skipReason: s.skipReason} : {}),
      critical: critical.has(s.name),
    })),
  };
}
