// immucore retry with real mounts (issue #12): a boot fails for a missing root image, the image
// is put in place on COS_STATE as a person in the emergency shell would, and the retry completes
// the boot without mounting anything twice; the unit's run after `exit` then runs nothing.
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {makeMachine} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const t = withTempRoot();
const MISSING = 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/missing.img rd.immucore.oemtimeout=1';
const LAYOUT =
  'RW_PATHS="/var /etc"\nPERSISTENT_STATE_PATHS="/etc/ssh"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n';

describe('immucore retry', () => {
  it('completes a failed boot once the image is there, keeping what the failed run mounted', async () => {
    const machine = await makeMachine(t, {images: ['passive']});
    const failed = await machine.boot(MISSING, {layout: LAYOUT});
    expect(failed.result.exitCode).toBe(1);
    expect(failed.report.steps.find((s) => s.name === 'attach-image')?.outcome).toBe('failed');
    const state = t.path('run/initramfs/cos-state');
    expect(failed.mounts.filter((m) => m.target === '/run/initramfs/cos-state')).toHaveLength(1);

    // The fix: COS_STATE rw for the link only, then ro again.
    await execa('mount', ['-o', 'remount,rw', state]);
    const ln = await execa('ln', [`${state}/cOS/passive.img`, `${state}/cOS/missing.img`], {
      reject: false,
      all: true,
    });
    expect(ln.exitCode, `ln: ${ln.all}`).toBe(0);
    await execa('mount', ['-o', 'remount,ro', state]);

    const retried = await machine.boot(MISSING, {layout: LAYOUT, command: 'retry'});
    expect(retried.result.exitCode, retried.result.all).toBe(0);
    expect(retried.result.all).toMatch(/immucore retry: the boot is complete \(ok, attempt 1/);
    expect(retried.result.all).toMatch(/Type `exit`/);
    expect(retried.report).toMatchObject({status: 'ok', retry: {attempt: 1, previous: 'failed'}});
    expect(retried.report.mounts.find((m) => m.target === '/run/initramfs/cos-state')?.result).toBe(
      'already',
    );
    // Nothing is mounted twice; the root and the layout are there now.
    const targets = retried.mounts.map((m) => m.target);
    expect(targets.filter((m) => m === '/run/initramfs/cos-state')).toHaveLength(1);
    expect(new Set(targets).size).toBe(targets.length);
    for (const target of [
      '/sysroot',
      '/sysroot/etc',
      '/sysroot/var',
      '/sysroot/usr/local',
      '/sysroot/etc/ssh',
    ])
      expect(targets).toContain(target);

    // `exit` in the shell: dracut starts immucore.service again, which finds the retry's report.
    const after = await machine.boot(MISSING, {layout: LAYOUT});
    expect(after.result.exitCode).toBe(0);
    expect(after.result.all).toMatch(/completed by `immucore retry` \(attempt 1, ok\)/);
    expect(after.mounts).toEqual(retried.mounts);

    // A retry of a completed boot runs nothing.
    const again = await machine.boot(MISSING, {layout: LAYOUT, command: 'retry'});
    expect(again.result.exitCode).toBe(0);
    expect(again.result.all).toMatch(/nothing to retry, this boot's run was ok/);
    expect(again.mounts).toEqual(retried.mounts);
    await machine.shutdown();
  });
});
