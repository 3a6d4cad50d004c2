// immucore retry against the fake: a failed boot run again after the fix, what it keeps, what it
// skips, and the unit's run after it. Logic only; the QEMU scenario retry-shell boots it for real.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE as ACTIVE} from '../../test/fakes/step-context.ts';
import type {BootReport} from '../report/boot-report.ts';
import {renderRetry, retryExitCode, retryToJson} from '../report/retry-view.ts';
import {planRetry, readPreviousReport, runRetry} from './retry.ts';
import {runBoot} from './run-boot.ts';

const IMAGE = '/run/initramfs/cos-state/cOS/active.img';
const LAYOUT =
  'RW_PATHS="/var /etc"\nPERSISTENT_STATE_PATHS="/etc/ssh /home"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\nOVERLAY=tmpfs:25%\n';

function machine(cmdline: string, opts: {image: boolean}) {
  return new FakeSys({
    devices: [
      {device: '/dev/vda2', info: {fstype: 'ext4', label: 'COS_OEM'}},
      {device: '/dev/vda4', info: {fstype: 'ext4', label: 'COS_STATE'}},
      {device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}},
    ],
    files: {
      '/proc/cmdline': cmdline,
      ...(opts.image ? {[IMAGE]: 'image'} : {}),
      '/run/cos/cos-layout.env': LAYOUT,
      '/sysroot/etc/os-release': '',
      '/sysroot/var/.keep': '',
      '/sysroot/etc/ssh/sshd_config': '',
      '/sysroot/home/.keep': '',
      '/sysroot/usr/local/.keep': '',
    },
  });
}

const quiet = {console: () => {}, logFile: false} as const;
const NOW = () => new Date('2026-11-30T12:00:00Z');

describe('immucore retry', () => {
  it('runs a failed boot again once the image is back: mounts made before stay, the rest is made', async () => {
    const sys = machine(ACTIVE, {image: false});
    const first = await runBoot({sys, ...quiet});
    expect(first.exitCode).toBe(1);
    expect(first.report.steps.find((s) => s.outcome === 'failed')?.name).toBe('attach-image');
    const mountedBefore = sys.mounts.map((m) => m.target);
    expect(mountedBefore).toContain('/run/initramfs/cos-state');

    sys.with({[IMAGE]: 'image'});
    const retry = await runRetry({sys, ...quiet, now: NOW});
    if (retry.kind !== 'ran') throw new Error('the retry did not run');
    expect(retry.outcome.exitCode).toBe(0);
    const report = retry.outcome.report;
    expect(report.status).toBe('ok');
    expect(report.retry).toEqual({attempt: 1, at: '2026-11-30T12:00:00.000Z', previous: 'failed'});
    // COS_STATE and /tmp were not mounted a second time: the report says they were already there.
    const again = sys.mounts.map((m) => m.target);
    expect(again.filter((t) => t === '/run/initramfs/cos-state')).toHaveLength(1);
    expect(report.mounts.find((m) => m.target === '/run/initramfs/cos-state')?.result).toBe('already');
    expect(report.mounts.find((m) => m.target === '/sysroot')?.result).toBe('mounted');
    // The report on disk is the retry's.
    expect((await readPreviousReport(sys)).retry?.attempt).toBe(1);
  });

  it("leaves the unit's next run (after `exit`) nothing to do: no step runs twice", async () => {
    const sys = machine(ACTIVE, {image: false});
    await runBoot({sys, ...quiet});
    sys.with({[IMAGE]: 'image'});
    await runRetry({sys, ...quiet});
    const callsBefore = sys.calls.length;
    const lines: string[] = [];
    const after = await runBoot({sys, console: (t) => void lines.push(t), logFile: false});
    expect(after.exitCode).toBe(0);
    expect(after.report.retry?.attempt).toBe(1);
    expect(sys.calls.slice(callsBefore).filter((c) => !c.startsWith('readText'))).toEqual([]);
    expect(lines.join('')).toMatch(/completed by `immucore retry` \(attempt 1, ok\)/);
  });

  it('fails again without holding or rebooting, whatever the cmdline says; the next retry is attempt 2', async () => {
    const cmdline = `${ACTIVE} rd.emergency=reboot rd.shell=0 rd.immucore.rebootonfailure`;
    const sys = new FakeSys({files: {'/proc/cmdline': cmdline}, key: 'key'});
    await runBoot({sys, ...quiet, live: true});
    const out: string[] = [];
    const first = await runRetry({sys, console: (t) => void out.push(t), logFile: false, live: true});
    if (first.kind !== 'ran') throw new Error('the retry did not run');
    expect(first.outcome.exitCode).toBe(1);
    expect(out.join('')).toMatch(
      /Still in the emergency shell: fix the cause and run `immucore retry` again/,
    );
    const second = await runRetry({sys, ...quiet, live: true});
    if (second.kind !== 'ran') throw new Error('the retry did not run');
    expect(second.plan.record.attempt).toBe(2);
    expect(sys.calls.filter((c) => c.startsWith('waitForKey') || c.includes('reboot'))).toEqual([
      'waitForKey /dev/console 10000',
      'run systemctl --no-block reboot',
    ]); // the first boot's only: the retries neither held nor rebooted
  });

  it('does not run a boot that completed: nothing to retry', async () => {
    const sys = machine(ACTIVE, {image: true});
    await runBoot({sys, ...quiet});
    const callsBefore = sys.calls.length;
    const retry = await runRetry({sys, ...quiet});
    expect(retry.kind).toBe('not-needed');
    expect(sys.calls.slice(callsBefore).filter((c) => !c.startsWith('readText'))).toEqual([]);
  });

  it('names the missing report and the fix when immucore has not run', async () => {
    const sys = new FakeSys({files: {'/proc/cmdline': ACTIVE}});
    await expect(runRetry({sys, ...quiet})).rejects.toThrow(
      /No boot report at \/run\/immucore\/report\.json: immucore has not run in this boot/,
    );
    sys.with({'/run/immucore/report.json': '{not json'});
    await expect(runRetry({sys, ...quiet})).rejects.toThrow(/is not JSON/);
  });
});

describe('planRetry', () => {
  const report = (steps: Array<[string, 'ok' | 'failed' | 'skipped']>, retry?: number): BootReport =>
    ({
      status: 'failed',
      steps: steps.map(([name, outcome]) => ({name, outcome, policy: 'fatal', mounts: [], failures: []})),
      ...(retry ? {retry: {attempt: retry, at: '', previous: 'failed'}} : {}),
    }) as unknown as BootReport;

  it('skips a stage that completed (a yip stage runs once per boot), runs everything else again', () => {
    const plan = planRetry(
      report([
        ['mount-root', 'ok'],
        ['rootfs-stage', 'ok'],
        ['mount-volumes', 'failed'],
        ['initramfs-stage', 'skipped'],
      ]),
      NOW(),
    );
    expect([...plan.skip.keys()]).toEqual(['rootfs-stage']);
    expect(plan.record).toEqual({
      attempt: 1,
      at: '2026-11-30T12:00:00.000Z',
      previous: 'failed',
      skipped: ['rootfs-stage'],
    });
  });

  it('runs a stage that failed again, and counts the attempts', () => {
    const plan = planRetry(report([['rootfs-stage', 'failed']], 2), NOW());
    expect(plan.skip.size).toBe(0);
    expect(plan.record.attempt).toBe(3);
  });
});

describe('renderRetry', () => {
  it('says the boot is complete and what exit does, or what still fails and what to do', async () => {
    const sys = machine(ACTIVE, {image: false});
    const failed = (await runBoot({sys, ...quiet})).report;
    const record = {attempt: 1, at: '2026-11-30T12:00:00.000Z', previous: 'failed' as const};
    const stillFailing = {kind: 'ran' as const, record, report: failed};
    expect(retryExitCode(stillFailing)).toBe(1);
    expect(renderRetry(stillFailing)).toMatchInlineSnapshot(`
      "immucore retry: the boot still cannot go on (attempt 1): step attach-image (5/20) failed: Root image "/run/initramfs/cos-state/cOS/active.img" does not exist (from "cos-img/filename=/cOS/active.img").
      Fix the cause and run \`immucore retry\` again; \`immucore status\` shows every step, \`immucore timeline\` when each ran. \`exit\` now would run immucore again and, failing, come back to this shell.
      "
    `);
    sys.with({[IMAGE]: 'image'});
    const ok = (await runBoot({sys, ...quiet})).report;
    const done = {kind: 'ran' as const, record, report: {...ok, durationMs: 812}};
    expect(retryExitCode(done)).toBe(0);
    expect(renderRetry(done)).toMatchInlineSnapshot(`
      "immucore retry: the boot is complete (ok, attempt 1, 812 ms; 8 mounts made, 2 kept from before).
      Type \`exit\`: the emergency shell ends, dracut starts the initrd target again (immucore.service finds this report and runs nothing twice) and the initrd switches root into the system.
      "
    `);
    expect(retryToJson(done)).toMatchObject({outcome: 'complete', status: 'ok', exitCode: 0, failed: []});
    expect(renderRetry({kind: 'not-needed', previous: ok})).toMatch(
      /^immucore retry: nothing to retry, this boot's run was ok/,
    );
  });
});
