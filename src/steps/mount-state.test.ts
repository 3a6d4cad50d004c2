// The early mounts: a tmpfs on /tmp, and the images partition (read-only) with a hint when it is missing.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import {SysError} from '../sys/sys.ts';
import {mountState, mountTmp} from './mount-state.ts';

const STATE = '/run/initramfs/cos-state';
const partitions = () =>
  new FakeSys({
    devices: [
      {device: '/dev/vda4', info: {fstype: 'ext4', label: 'COS_STATE'}},
      {device: '/dev/vda3', info: {fstype: 'ext4', label: 'COS_RECOVERY'}},
    ],
  });

describe('mountTmp', () => {
  it('mounts a tmpfs on /tmp, nosuid and nodev', async () => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {step: 'mount-tmp'});
    await mountTmp(ctx);
    expect(sys.calls).toEqual(['mount tmpfs tmpfs /tmp']);
    expect(sys.mounts[0]?.options).toEqual(['rw', 'nosuid', 'nodev']);
    expect(ctx.boot.mounts.map((m) => [m.step, m.target])).toEqual([['mount-tmp', '/tmp']]);
  });

  it('mounts nothing on live media, whose plan has no /tmp', async () => {
    const sys = new FakeSys();
    await mountTmp(stepContext(sys, {cmdline: 'root=live:CDLABEL=COS_LIVE'}));
    expect(sys.calls).toEqual([]);
  });
});

describe('mountState', () => {
  const valid = [
    {
      name: 'an active boot mounts COS_STATE read-only',
      cmdline: ACTIVE_CMDLINE,
      calls: ['waitForDevice LABEL=COS_STATE', 'fsck /dev/vda4 auto', `mount ext4 /dev/vda4 ${STATE}`],
      options: ['ro'],
    },
    {
      name: 'a recovery boot mounts COS_RECOVERY',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
      calls: ['waitForDevice LABEL=COS_RECOVERY', 'fsck /dev/vda3 auto', `mount ext4 /dev/vda3 ${STATE}`],
      options: ['ro'],
    },
    {
      name: 'rd.immucore.debugrw mounts it read-write',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.debugrw`,
      calls: ['waitForDevice LABEL=COS_STATE', 'fsck /dev/vda4 auto', `mount ext4 /dev/vda4 ${STATE}`],
      options: ['rw'],
    },
    {
      name: 'fsck.mode=force checks it before mounting',
      cmdline: `${ACTIVE_CMDLINE} fsck.mode=force`,
      calls: ['waitForDevice LABEL=COS_STATE', 'fsck /dev/vda4 force', `mount ext4 /dev/vda4 ${STATE}`],
      options: ['ro'],
    },
  ];
  it.each(valid)('$name', async ({cmdline, calls, options}) => {
    const sys = partitions();
    const ctx = stepContext(sys, {cmdline, step: 'mount-state'});
    await mountState(ctx);
    expect(sys.calls).toEqual(calls);
    expect(sys.mounts.map((m) => m.options)).toEqual([options]);
    expect(ctx.boot.mounts.map((m) => m.target)).toEqual([STATE]);
  });

  const invalid = [
    {
      name: 'a missing partition names its label and the timeout to raise',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.devtimeout=0`,
      error: /^Cannot mount the images partition LABEL=COS_STATE at \/run\/initramfs\/cos-state$/,
      hint: /^Check that a partition labelled COS_STATE exists \(blkid\) .*rd\.immucore\.devtimeout=<seconds> \(now 0\)\.$/,
      cause: /did not appear within 0 ms/,
    },
    {
      name: 'a missing recovery partition names COS_RECOVERY',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img rd.immucore.devtimeout=0',
      error: /images partition LABEL=COS_RECOVERY/,
      hint: /labelled COS_RECOVERY exists/,
      cause: /LABEL=COS_RECOVERY/,
    },
  ];
  it.each(invalid)('$name', async ({cmdline, error, hint, cause}) => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {cmdline, step: 'mount-state'});
    const err = await stepError(mountState(ctx));
    expect(err.message).toMatch(error);
    expect(err.hint).toMatch(hint);
    expect(err.cause).toBeInstanceOf(SysError);
    expect((err.cause as Error).message).toMatch(cause);
    expect(ctx.boot.mounts).toEqual([]);
  });

  it('fails on live media, whose plan has no images partition', async () => {
    const err = await stepError(mountState(stepContext(new FakeSys(), {cmdline: 'root=live:CDLABEL=X'})));
    expect(err.message).toBe('the plan has no images partition to mount');
  });

  it('wraps a mount that fails after the device appeared, keeping the cause', async () => {
    const sys = partitions().fail(`mount ext4 /dev/vda4 ${STATE}`, 'EUCLEAN');
    const err = await stepError(mountState(stepContext(sys, {step: 'mount-state'})));
    expect(err.message).toMatch(/^Cannot mount the images partition LABEL=COS_STATE/);
    expect((err.cause as SysError).code).toBe('EUCLEAN');
    expect(err.hint).toMatch(/holds an ext4 filesystem/);
  });
});
