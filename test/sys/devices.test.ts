// Finding devices by what they hold, on real loop devices; every lookup sees only this test's loops.
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {readPartUuid} from '../../src/sys/gpt.ts';
import {LinuxSys} from '../../src/sys/linux.ts';
import {SysError} from '../../src/sys/sys.ts';
import {makeGptDisk} from '../helpers/images.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const UUID = 'a1b2c3d4-0000-4000-8000-00000000abcd';
const PARTUUID = '0fc63daf-8483-4772-8e79-3d69d8477de4';

describe('findDevice', () => {
  const t = withTempRoot();

  it('finds a loop device by LABEL, UUID and path', async () => {
    const dev = await t.attachLoop(await t.makeExt4Image({label: 'COS_STATE', uuid: UUID}));
    expect(await t.sys.findDevice('LABEL=COS_STATE')).toBe(dev);
    expect(await t.sys.findDevice(`UUID=${UUID}`)).toBe(dev);
    expect(await t.sys.findDevice(`UUID=${UUID.toUpperCase()}`)).toBe(dev);
    expect(await t.sys.findDevice(dev)).toBe(dev);
  });

  it('finds nothing for a label no device carries', async () => {
    await t.attachLoop(await t.makeExt4Image({label: 'COS_STATE'}));
    expect(await t.sys.findDevice('LABEL=COS_NOPE')).toBeUndefined();
  });

  it('never answers with the image file itself', async () => {
    await t.makeExt4Image({dir: t.root, label: 'COS_FILEONLY'});
    expect(await t.sys.findDevice('LABEL=COS_FILEONLY')).toBeUndefined();
  });

  it('an unattached loop device is no device', async () => {
    const {stdout} = await execa('losetup', ['--find']);
    expect(await t.sys.findDevice(stdout.trim())).toBeUndefined();
  });

  it('lookupDevices: several labels from one scan, each found, twinned or missing', async () => {
    const state = await t.attachLoop(await t.makeExt4Image({label: 'COS_STATE', name: 's.img'}));
    await t.attachLoop(await t.makeExt4Image({label: 'COS_TWIN', name: 'a.img'}));
    await t.attachLoop(await t.makeExt4Image({label: 'COS_TWIN', name: 'b.img'}));
    const got = await t.sys.lookupDevices(['LABEL=COS_STATE', 'LABEL=COS_TWIN', 'LABEL=COS_NOPE', state]);
    expect(Object.fromEntries(got)).toEqual({
      'LABEL=COS_STATE': {device: state, bySuperblock: true},
      'LABEL=COS_TWIN': 'duplicate',
      [state]: {device: state, bySuperblock: false},
    });
  });

  // Loop devices have no partitions here, so nothing places either beside other COS_* partitions:
  // the same-disk rule (src/boot/duplicate-device.ts) cannot decide, and the lookup fails.
  it('two devices with one label are an error naming both', async () => {
    const a = await t.attachLoop(await t.makeExt4Image({label: 'COS_TWIN', name: 'a.img'}));
    const b = await t.attachLoop(await t.makeExt4Image({label: 'COS_TWIN', name: 'b.img'}));
    const err = (await t.sys.findDevice('LABEL=COS_TWIN').catch((e: unknown) => e)) as SysError;
    expect(err).toBeInstanceOf(SysError);
    expect(err.code).toBe('EDUPLICATE');
    expect(err.message).toContain(a);
    expect(err.message).toContain(b);
    expect(err.message).toMatch(/LABEL=COS_TWIN/);
    expect(err.message).toMatch(
      /none of them is on a disk with other COS_\* partitions, so immucore will not guess/,
    );
    expect(err.hint).toMatch(/e2label/);
  });

  // This kernel has no partition table support (CONFIG_EFI_PARTITION is off: losetup --partscan
  // makes no loopNp1), so PARTLABEL (uevent PARTNAME=) is covered by the parseUevent unit test and
  // PARTUUID by reading the GPT that sgdisk wrote.
  it('reads PARTUUID from a GPT that sgdisk wrote', async () => {
    const disk = await makeGptDisk({
      dir: t.images,
      partitions: [
        {name: 'oem', sizeMiB: 2},
        {name: 'state', sizeMiB: 2, uuid: PARTUUID},
      ],
    });
    expect(await readPartUuid(disk, 2, 512)).toBe(PARTUUID);
    expect(await readPartUuid(disk, 1, 512)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(await readPartUuid(disk, 3, 512)).toBeUndefined();
  });

  it('an allow-list hides devices not on it', async () => {
    const dev = await t.attachLoop(await t.makeExt4Image({label: 'COS_HIDDEN'}));
    const name = dev.replace('/dev/', '');
    expect(await new LinuxSys({root: t.root, devices: [name]}).findDevice('LABEL=COS_HIDDEN')).toBe(dev);
    expect(
      await new LinuxSys({root: t.root, devices: ['loop999']}).findDevice('LABEL=COS_HIDDEN'),
    ).toBeUndefined();
    expect(await new LinuxSys({root: t.root, devices: ['loop999']}).findDevice(dev)).toBeUndefined();
  });
});
