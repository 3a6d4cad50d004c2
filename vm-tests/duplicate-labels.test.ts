// Issue 13, scenario 2: a second disk (a stranger's stick, from another install) also carries
// COS_STATE and COS_PERSISTENT. immucore must not mount the stranger in silence: for each name it
// uses the device on the disk of the other COS_* partitions and warns naming both
// (src/boot/duplicate-device.ts). One boot covers both labels (the images partition in mount-state,
// the volume in unlock-volumes/mount-volumes), read from the initramfs at rd.immucore.break=report
// (lib/initramfs-watch.ts). The "cannot decide" case (no disk holds other COS_* partitions) fails
// naming both devices: test/sys/devices.test.ts, with loop devices, and the decision's table.
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import {diskCmdline} from './lib/expect-boot.ts';
import {bytesWrittenTo} from './lib/faults.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {
  type InitramfsFacts,
  readInitramfsFacts,
  WATCH_END,
  watchFromReportBreak,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';
import {buildStrangerStick, secondDiskOverlay} from './lib/second-disk.ts';

const NAME = 'duplicate-labels';
// The standard disk: BIOS boot, COS_OEM, COS_RECOVERY, COS_STATE, COS_PERSISTENT; the stick:
// BIOS boot, COS_STATE, COS_PERSISTENT.
const OWN = {state: '/dev/vda4', persistent: '/dev/vda5'};
const STRANGER = {state: '/dev/vdb2', persistent: '/dev/vdb3'};

describe('a stick that carries COS_STATE and COS_PERSISTENT too', () => {
  const layout = expectedLayout('active_mode');
  let boot: BootResult;
  let seen: InitramfsFacts;
  let stick: {base: string; overlay: string};

  beforeAll(async () => {
    const images = await buildImageSet();
    const base = await buildStrangerStick();
    stick = {base, overlay: await secondDiskOverlay(base, `${NAME}-stick`)};
    boot = await bootDisk(images, await buildStandardDisk(images), {
      name: NAME,
      append: `${diskCmdline('active')} rd.immucore.break=report`,
      extraDisks: [stick.overlay],
      input: watchFromReportBreak(),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    seen = readInitramfsFacts(NAME);
  });

  it('uses the install disk for both, warning naming both devices and the fix', () => {
    expect(boot.timedOut).toBe(false);
    expect(seen.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(seen.report.failures).toEqual([]);
    expect(seen.report.status).toBe('ok');
    const cases = [
      {step: 'mount-state', spec: 'LABEL=COS_STATE', own: OWN.state, stranger: STRANGER.state},
      {
        step: 'mount-volumes',
        spec: 'LABEL=COS_PERSISTENT',
        own: OWN.persistent,
        stranger: STRANGER.persistent,
      },
    ];
    for (const c of cases) {
      const w = seen.report.warnings.filter((x) => x.item === c.spec);
      expect(
        w.map((x) => x.step),
        c.spec,
      ).toEqual([c.step]);
      expect(w[0]?.message).toMatch(new RegExp(`^2 devices carry ${c.spec}: `));
      expect(w[0]?.message).toContain(`${c.stranger} (on vdb`);
      expect(w[0]?.message).toContain(`${c.own} (on vda with COS_`);
      expect(w[0]?.message).toContain(`; using ${c.own}, on the disk of the other COS_* partitions`);
      expect(w[0]?.hint).toContain(`Remove the disk of ${c.stranger} or give it another label`);
      expect(boot.log).toContain(`using ${c.own}`);
    }
  });

  it('mounts nothing of the stick, and writes nothing to it', async () => {
    expect(seen.mounts.find((m) => m.target === '/run/initramfs/cos-state')?.source).toBe(OWN.state);
    const volume = seen.mounts.find((m) => m.target === '/sysroot/usr/local');
    expect(volume).toMatchObject({source: OWN.persistent, fstype: 'ext4'});
    const state = PERSISTENT_STATE_TARGET.slice('/usr/local'.length);
    for (const path of layout.persistentPaths) {
      const m = seen.mounts.find((x) => x.target === `/sysroot${path}`);
      expect(m?.source, path).toBe(`${OWN.persistent}[${state}/${bindDirName(path)}]`);
    }
    expect(seen.mounts.filter((m) => m.source.startsWith('/dev/vdb'))).toEqual([]);
    expect(await bytesWrittenTo(stick.overlay, stick.base, 'COS_STATE')).toBe(0);
    expect(await bytesWrittenTo(stick.overlay, stick.base, 'COS_PERSISTENT')).toBe(0);
  });
});
