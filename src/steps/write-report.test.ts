// The report step: report.json and the timeline under /run/immucore, with the status the records say.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext} from '../../test/fakes/step-context.ts';
import {StepError, type StepRecord} from '../dag/index.ts';
import type {BootReport} from '../report/boot-report.ts';
import {buildBootReport, REPORT_FILE, TIMELINE_FILE, writeBootReport, writeReport} from './write-report.ts';

const failed = (name: string, policy: 'fatal' | 'degrade'): StepRecord => ({
  name,
  outcome: 'failed',
  startMs: 1,
  durationMs: 2,
  error: new StepError({step: name, policy, position: 1, total: 2, cause: new Error(`${name} broke`)}),
});
const ok = (name: string, startMs = 0, durationMs = 1): StepRecord => ({
  name,
  outcome: 'ok',
  startMs,
  durationMs,
});

const readReport = (sys: FakeSys): BootReport => JSON.parse(sys.files.get(REPORT_FILE)?.text ?? 'null');

describe('writeReport', () => {
  const cases = [
    {name: 'every step ok is an ok boot', records: [ok('sentinel'), ok('mount-state')], status: 'ok'},
    {
      name: 'a failed degrade step is a degraded boot',
      records: [ok('mount-state'), failed('mount-volumes', 'degrade')],
      status: 'degraded',
    },
    {
      name: 'a failed fatal step is a failed boot',
      records: [failed('mount-state', 'fatal'), failed('mount-volumes', 'degrade')],
      status: 'failed',
    },
  ];
  it.each(cases)('$name', async ({records, status}) => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {step: 'report', records: () => records});
    await writeReport(ctx);
    expect(sys.calls).toEqual([`write ${REPORT_FILE}`, `write ${TIMELINE_FILE}`]);
    const report = readReport(sys);
    expect(report.status).toBe(status);
    expect(report.steps.map((s) => [s.name, s.outcome])).toEqual(records.map((r) => [r.name, r.outcome]));
    expect(ctx.log.lines.at(-1)?.msg).toMatch(new RegExp(`^boot ${status}: 0 mounts, critical path `));
  });

  it('fails (a degrade step) when report.json cannot be written', async () => {
    const sys = new FakeSys().fail(`write ${REPORT_FILE}`, 'ENOSPC');
    const err = await writeReport(stepContext(sys, {step: 'report', records: () => [ok('sentinel')]})).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/ENOSPC/);
  });

  it('lists what each persistent state seed did, and leaves the field out when there was none', async () => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {step: 'report', records: () => [ok('mount-persistent')]});
    await writeReport(ctx);
    expect(readReport(sys).seeds).toBeUndefined();
    const seed = {
      path: '/etc/ssh',
      stateDir: '/sysroot/usr/local/.state/etc-ssh.bind',
      kind: 'update' as const,
      image: 'ext4 UUID=b sb=2',
      previous: 'ext4 UUID=a sb=1',
      added: 1,
      updated: 2,
      keptUserChanged: 3,
      notResurrected: 4,
      notInImage: 5,
      durationMs: 6,
    };
    ctx.boot.seeds.push(seed);
    await writeReport(ctx);
    expect(readReport(sys).seeds).toEqual([seed]);
  });

  it('is a cancelled boot once the boot was stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const sys = new FakeSys();
    await writeReport(stepContext(sys, {signal: controller.signal, records: () => [ok('sentinel')]}));
    expect(readReport(sys).status).toBe('cancelled');
  });

  it('is a degraded boot when an item failed inside a step that went on', async () => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {records: () => [ok('mount-volumes')]});
    ctx.boot.failures.push({step: 'mount-volumes', item: 'LABEL=X:/x', message: 'gone'});
    await writeReport(ctx);
    expect(readReport(sys)).toMatchObject({
      status: 'degraded',
      failures: [{item: 'LABEL=X:/x'}],
      steps: [{name: 'mount-volumes', failures: [{item: 'LABEL=X:/x'}]}],
    });
  });
});

describe('buildBootReport and writeBootReport', () => {
  it("writes the report and the timeline from the session's mounts, and returns the report", async () => {
    const sys = new FakeSys();
    const {boot} = stepContext(sys, {cmdline: ACTIVE_CMDLINE});
    boot.mounts.push({
      source: 'tmpfs',
      target: '/tmp',
      fstype: 'tmpfs',
      options: ['rw'],
      step: 'mount-tmp',
      result: 'mounted',
    });
    const records = [ok('sentinel', 0, 5), ok('mount-tmp', 0, 20)];
    const report = buildBootReport(boot, records, 'ok', {startedAt: new Date(0), durationMs: 42});
    await writeBootReport(sys, report, records);
    expect(readReport(sys)).toEqual(report);
    expect(report).toMatchObject({
      status: 'ok',
      state: 'active',
      image: '/run/initramfs/cos-state/cOS/active.img',
      durationMs: 42,
      steps: [{name: 'sentinel'}, {name: 'mount-tmp', mounts: [{target: '/tmp'}]}],
      criticalPath: ['mount-tmp'],
    });
    // Root only: the report holds the cmdline, the timeline the steps' errors (SPEC §8).
    expect(sys.files.get(REPORT_FILE)?.mode).toBe(0o600);
    expect(sys.files.get(TIMELINE_FILE)?.mode).toBe(0o600);
    const timeline = JSON.parse(sys.files.get(TIMELINE_FILE)?.text ?? 'null');
    expect(timeline.metadata).toMatchObject({state: 'active', status: 'ok'});
    expect(
      timeline.traceEvents.filter((e: {ph: string}) => e.ph === 'X').map((e: {name: string}) => e.name),
    ).toEqual(['sentinel', 'mount-tmp']);
  });
});
