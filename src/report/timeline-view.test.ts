// immucore timeline: the table (snapshot of a fixed report) and the trace's shape (Chrome's
// trace-event format: what Perfetto and chrome://tracing load), on a fixed report and on the
// report of a boot run against the fake.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE as ACTIVE} from '../../test/fakes/step-context.ts';
import {runBoot} from '../steps/run-boot.ts';
import type {BootReport} from './boot-report.ts';
import type {TraceEvent} from './timeline.ts';
import {renderTimelineTable, reportTrace, timelineToJson} from './timeline-view.ts';

const step = (
  name: string,
  startMs: number | undefined,
  durationMs: number,
  outcome: 'ok' | 'failed' | 'skipped' = 'ok',
  extra: Partial<BootReport['steps'][number]> = {},
): BootReport['steps'][number] => ({
  name,
  policy: 'fatal',
  outcome,
  ...(startMs === undefined ? {} : {startMs, durationMs}),
  mounts: [],
  failures: [],
  ...extra,
});

const REPORT = {
  version: 1,
  status: 'failed',
  state: 'active',
  mode: 'disk',
  cmdline: 'root=LABEL=COS_ACTIVE',
  startedAt: '2026-11-30T12:00:00.000Z',
  durationMs: 400,
  problems: [],
  steps: [
    step('sentinel', 0, 2),
    step('mount-tmp', 1, 10),
    step('mount-state', 2, 120),
    step('mount-oem', 3, 300),
    step('attach-image', 122, 30, 'failed', {
      error: {message: 'step attach-image (5/20) failed: Root image "/x.img" does not exist', lines: []},
    }),
    step('unlock-volumes', undefined, 0, 'skipped', {skipReason: 'no volumes in the layout'}),
    step('report', 303, 90),
  ],
  mounts: [],
  failures: [],
  warnings: [],
  criticalPath: ['mount-oem', 'report'],
  retry: {attempt: 2, at: '2026-11-30T12:00:00.000Z', previous: 'failed'},
} as BootReport;

describe('renderTimelineTable', () => {
  it('lists the steps in start order on a time axis, the critical path marked, skipped and failed named', () => {
    expect(renderTimelineTable(REPORT)).toMatchInlineSnapshot(`
      "active boot, failed in 400 ms, started 2026-11-30T12:00:00.000Z (immucore retry, attempt 2)

        step            start ms  took ms  outcome  |0 ms                              400 ms|
        sentinel               0        2  ok       |#                                       |
        mount-tmp              1       10  ok       |#                                       |
        mount-state            2      120  ok       |############                            |
      * mount-oem              3      300  ok       |##############################          |
        attach-image         122       30  failed   |            ###                         |
      * report               303       90  ok       |                              ######### |
        unlock-volumes         -        -  skipped  (no volumes in the layout)

      * critical path, 390 ms of 400 ms: mount-oem → report
      failed: attach-image: step attach-image (5/20) failed: Root image "/x.img" does not exist
      "
    `);
  });
});

describe('the trace', () => {
  function expectChromeTrace(trace: ReturnType<typeof reportTrace>, report: BootReport): TraceEvent[] {
    // What the trace-event format requires: a traceEvents array of events with name, ph, ts, pid,
    // tid; complete events (X) with a duration; times in whole microseconds.
    const parsed = JSON.parse(JSON.stringify(trace)) as {traceEvents: TraceEvent[]; displayTimeUnit: string};
    expect(parsed.displayTimeUnit).toBe('ms');
    for (const e of parsed.traceEvents) {
      expect(typeof e.name).toBe('string');
      expect(['X', 'i', 'M']).toContain(e.ph);
      expect(Number.isInteger(e.ts) && e.ts >= 0).toBe(true);
      expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
      if (e.ph === 'X') expect(Number.isInteger(e.dur) && (e.dur as number) >= 0).toBe(true);
    }
    const complete = parsed.traceEvents.filter((e) => e.ph === 'X');
    expect(complete.map((e) => e.name).sort()).toEqual(
      report.steps
        .filter((s) => s.startMs !== undefined)
        .map((s) => s.name)
        .sort(),
    );
    // One lane (tid) never holds two steps at once: Perfetto would nest them as parent and child.
    const byLane = new Map<number, TraceEvent[]>();
    for (const e of complete) byLane.set(e.tid, [...(byLane.get(e.tid) ?? []), e]);
    for (const lane of byLane.values()) {
      lane.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < lane.length; i++) {
        const prev = lane[i - 1] as TraceEvent;
        expect((lane[i] as TraceEvent).ts).toBeGreaterThanOrEqual(prev.ts + (prev.dur as number));
      }
    }
    for (const e of complete) expect(e.args?.critical === true).toBe(report.criticalPath.includes(e.name));
    return parsed.traceEvents;
  }

  it('has one complete event per step that ran, parallel steps on their own lanes, the critical path flagged', () => {
    const events = expectChromeTrace(reportTrace(REPORT), REPORT);
    const oem = events.find((e) => e.name === 'mount-oem');
    expect(oem).toMatchObject({ph: 'X', ts: 3000, dur: 300000, args: {outcome: 'ok', critical: true}});
    expect(new Set(events.filter((e) => e.ph === 'X').map((e) => e.tid)).size).toBe(3);
    expect(events.find((e) => e.name === 'attach-image')?.args?.error).toMatch(/does not exist/);
    expect(events.find((e) => e.name === 'unlock-volumes (skipped)')).toMatchObject({
      ph: 'i',
      args: {reason: 'no volumes in the layout'},
    });
  });

  it('is a valid trace for the report of a whole boot', async () => {
    const sys = new FakeSys({
      devices: [
        {device: '/dev/vda4', info: {fstype: 'ext4', label: 'COS_STATE'}},
        {device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}},
      ],
      files: {
        '/proc/cmdline': `${ACTIVE} rd.immucore.oemtimeout=0`,
        '/run/initramfs/cos-state/cOS/active.img': 'image',
        '/run/cos/cos-layout.env': 'RW_PATHS="/var"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n',
        '/sysroot/var/.keep': '',
        '/sysroot/usr/local/.keep': '',
      },
    });
    const {report} = await runBoot({sys, console: () => {}, logFile: false});
    expect(report.criticalPath.length).toBeGreaterThan(1);
    expectChromeTrace(reportTrace(report), report);
    const json = timelineToJson(report) as {steps: Array<{name: string; critical: boolean}>};
    expect(
      json.steps
        .filter((s) => s.critical)
        .map((s) => s.name)
        .sort(),
    ).toEqual([...report.criticalPath].sort());
    expect(renderTimelineTable(report)).toMatch(/^\* report /m);
  });
});
