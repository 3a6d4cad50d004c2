// Finding COS_STATE for `immucore slot`: by its device, wherever (and whether) it is mounted; the
// block is read from it, and a private mount is undone after.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {readSlotView} from './slot-block.ts';

const DEVICES = [
  {device: '/dev/vda4', info: {fstype: 'ext4', label: 'COS_STATE'}},
  {device: '/dev/vda3', info: {fstype: 'ext4', label: 'COS_RECOVERY'}},
];

describe('readSlotView', () => {
  it('in recovery (COS_RECOVERY on /run/initramfs/cos-state) mounts COS_STATE privately and reads its block', async () => {
    const sys = new FakeSys({
      devices: DEVICES,
      files: {
        '/proc/cmdline': 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
        '/run/initramfs/cos-state/.keep': '',
      },
    });
    await sys.mount({
      source: '/dev/vda3',
      target: '/run/initramfs/cos-state',
      fstype: 'ext4',
      options: ['ro'],
    });
    const view = await readSlotView(sys);
    // The block itself is read with real file handles (src/sys/env-block-file.ts, tested as root
    // in test/): here, where it is looked for.
    expect(view.report.block.path).toBe('/run/immucore/cos-state/boot_assessment');
    expect(sys.mounts.at(-1)).toMatchObject({source: '/dev/vda4', target: '/run/immucore/cos-state'});
    expect(sys.unmounts).toEqual(['/run/immucore/cos-state']);
  });

  it('on a booted active system reads the block where COS_STATE is mounted, mounting nothing', async () => {
    const sys = new FakeSys({
      devices: DEVICES,
      files: {
        '/proc/cmdline': 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img',
        '/run/initramfs/cos-state/.keep': '',
      },
    });
    await sys.mount({
      source: '/dev/vda4',
      target: '/run/initramfs/cos-state',
      fstype: 'ext4',
      options: ['ro'],
    });
    const view = await readSlotView(sys);
    expect(view.report.block.path).toBe('/run/initramfs/cos-state/boot_assessment');
    expect(sys.mounts).toHaveLength(1);
    expect(sys.unmounts).toEqual([]);
  });
});
