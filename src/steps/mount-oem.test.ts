// The OEM partition: optional, mounted read-write at /sysroot/oem; its absence is a warning that
// says what to do, a partition that cannot be mounted a failure.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import {mountOem} from './mount-oem.ts';

const oem = (label: string) => new FakeSys({devices: [{device: '/dev/vda2', info: {fstype: 'ext4', label}}]});

describe('mountOem', () => {
  const valid = [
    {
      name: 'mounts COS_OEM read-write at /sysroot/oem',
      cmdline: ACTIVE_CMDLINE,
      label: 'COS_OEM',
      calls: ['waitForDevice LABEL=COS_OEM', 'fsck /dev/vda2 auto', 'mount ext4 /dev/vda2 /sysroot/oem'],
    },
    {
      name: 'looks for the label rd.immucore.oemlabel gives',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.oemlabel=MY_OEM`,
      label: 'MY_OEM',
      calls: ['waitForDevice LABEL=MY_OEM', 'fsck /dev/vda2 auto', 'mount ext4 /dev/vda2 /sysroot/oem'],
    },
    {
      name: 'mounts it on recovery media, after dracut mounted /sysroot',
      cmdline: 'root=live:LABEL=COS_RECOVERY',
      label: 'COS_OEM',
      calls: ['waitForDevice LABEL=COS_OEM', 'fsck /dev/vda2 auto', 'mount ext4 /dev/vda2 /sysroot/oem'],
    },
    {
      name: 'mounts nothing on live media, which have no OEM partition',
      cmdline: 'root=live:CDLABEL=COS_LIVE',
      label: 'COS_OEM',
      calls: [],
    },
  ];
  it.each(valid)('$name', async ({cmdline, label, calls}) => {
    const sys = oem(label);
    const ctx = stepContext(sys, {cmdline, step: 'mount-oem'});
    await mountOem(ctx);
    expect(sys.calls).toEqual(calls);
    expect(sys.mounts.map((m) => m.options)).toEqual(calls.length ? [['rw']] : []);
  });

  const missing = [
    {
      name: 'no COS_OEM partition: a warning to create one, or to ignore it',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.oemtimeout=0`,
      item: 'LABEL=COS_OEM',
      hint: /^Create an ext4 partition labelled COS_OEM for machine config, or ignore this on machines that have none\.$/,
    },
    {
      name: 'no partition with the label asked for: a warning to check it, or to wait longer',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.oemlabel=MY_OEM rd.immucore.oemtimeout=0`,
      item: 'LABEL=MY_OEM',
      hint: /^Check the label given by rd\.immucore\.oemlabel=MY_OEM \(blkid\), or raise rd\.immucore\.oemtimeout \(now 0 s\)\.$/,
    },
  ];
  it.each(missing)('$name', async ({cmdline, item, hint}) => {
    const sys = oem('SOMETHING_ELSE');
    const ctx = stepContext(sys, {cmdline, step: 'mount-oem'});
    await mountOem(ctx);
    expect(ctx.boot.warnings).toEqual([
      {
        step: 'mount-oem',
        item,
        message: 'no OEM partition appeared within 0 s',
        hint: expect.stringMatching(hint),
      },
    ]);
    expect(ctx.boot.failures).toEqual([]);
    expect(ctx.log.lines.at(-1)).toMatchObject({
      level: 'warn',
      msg: expect.stringMatching(/, ignoring\. Try: /),
    });
    expect(sys.mounts).toEqual([]);
  });

  const E2FSCK = '/dev/vda2 has unsupported feature(s): FEATURE_I30\ne2fsck: Get a newer version of e2fsck!';
  const invalid = [
    {
      name: 'an OEM partition that cannot be mounted fails the step, with what e2fsck -n reads in it',
      fault: 'mount ext4 /dev/vda2 /sysroot/oem',
      error:
        /^OEM partition LABEL=COS_OEM was not mounted at \/sysroot\/oem; e2fsck -n says: \/dev\/vda2 has unsupported feature\(s\): FEATURE_I30; e2fsck: Get a newer version of e2fsck!$/,
      hint: /^Check the filesystem on COS_OEM \(e2fsck from the emergency shell\)/,
      cause: /EIO \(injected\)/,
    },
  ];
  it.each(invalid)('$name', async ({fault, error, hint, cause}) => {
    const sys = new FakeSys({
      devices: [{device: '/dev/vda2', info: {fstype: 'ext4', label: 'COS_OEM'}}],
      run: (argv) => (argv[0] === 'e2fsck' ? {exitCode: 8, stdout: '', stderr: E2FSCK} : undefined),
    }).fail(fault);
    const ctx = stepContext(sys, {step: 'mount-oem'});
    const err = await stepError(mountOem(ctx));
    expect(err.message).toMatch(error);
    expect(err.hint).toMatch(hint);
    expect((err.cause as Error).message).toMatch(cause);
    expect(ctx.boot.warnings).toEqual([]);
    expect(sys.runs).toEqual([['e2fsck', '-n', '-f', '/dev/vda2']]);
  });
});
