// /run/immucore/boot-timeline.json in Chrome trace-event format, so a boot opens in Perfetto or
// chrome://tracing: one complete ("X") event per step that ran, on one track per parallel lane.
import type {StepRecord} from '../dag/index.ts';

/** What the trace needs of a step: the runner's record, or a step of report.json. */
export type TimedStep = Pick<StepRecord, 'name' | 'outcome' | 'startMs' | 'durationMs' | 'skipReason'> & {
  error?: {message: string};
};

export interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X' | 'i' | 'M';
  ts: number; // microseconds
  dur?: number;
  pid: number;
  tid: number;
  s?: 'g';
  args?: Record<string, unknown>;
}

/** Steps that overlapped in time go on different lanes (tid), so the trace shows the parallelism. */
export function renderTimeline(
  records: readonly TimedStep[],
  meta: {state: string; status: string; criticalPath?: readonly string[]},
): {traceEvents: TraceEvent[]; displayTimeUnit: 'ms'; metadata: Record<string, string>} {
  const critical = new Set(meta.criticalPath ?? []);
  const ran = records
    .filter((r) => r.startMs !== undefined)
    .sort((a, b) => (a.startMs as number) - (b.startMs as number));
  const laneEnds: number[] = [];
  const events: TraceEvent[] = [
    {
      name: 'process_name',
      cat: '__metadata',
      ph: 'M',
      ts: 0,
      pid: 1,
      tid: 0,
      args: {name: `immucore (${meta.state})`},
    },
  ];
  for (const r of ran) {
    const start = r.startMs as number;
    const end = start + (r.durationMs ?? 0);
    let lane = laneEnds.findIndex((e) => e <= start);
    if (lane < 0) lane = laneEnds.push(end) - 1;
    else laneEnds[lane] = end;
    events.push({
      name: r.name,
      cat: 'step',
      ph: 'X',
      ts: Math.round(start * 1000),
      dur: Math.round((r.durationMs ?? 0) * 1000),
      pid: 1,
      tid: lane + 1,
      args: {
        outcome: r.outcome,
        ...(critical.has(r.name) ? {critical: true} : {}),
        ...(r.error ? {error: r.error.message} : {}),
      },
    });
  }
  for (const r of records.filter((x) => x.outcome === 'skipped')) {
    events.push({
      name: `${r.name} (skipped)`,
      cat: 'skip',
      ph: 'i',
      s: 'g',
      ts: 0,
      pid: 1,
      tid: 0,
      args: {reason: r.skipReason},
    });
  }
  return {traceEvents: events, displayTimeUnit: 'ms', metadata: {state: meta.state, status: meta.status}};
}
