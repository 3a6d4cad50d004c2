// Issue 13, scenario 10: the COS_OEM partition holds a filesystem nothing can mount, label intact
// (lib/faults.ts breakOemSuperblock: an incompatible feature no kernel knows, written into this
// boot's overlay only). blkid still finds COS_OEM, so immucore does not wait for it: e2fsck and
// the mount refuse it, mount-oem fails naming the partition, the reason and the fix, the boot goes
// on degraded without the OEM configs, with the image's layout mounted, and nothing is written to
// the partition. Seen from the initramfs (lib/initramfs-watch.ts).
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import {CACHE_DIR} from './lib/cache.ts';
import {diskCmdline} from './lib/expect-boot.ts';
import {breakOemSuperblock, bytesWrittenTo} from './lib/faults.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {
  type InitramfsFacts,
  readInitramfsFacts,
  WATCH_END,
  watchFromReportBreak,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import {type BootResult, createOverlay} from './lib/qemu.ts';

const NAME = 'unreadable-oem';

describe('boot with an unmountable COS_OEM filesystem', () => {
  const layout = expectedLayout('active_mode');
  let boot: BootResult;
  let seen: InitramfsFacts;
  let oemBytes: {before: number; after: number};

  beforeAll(async () => {
    const images = await buildImageSet();
    const base = await buildStandardDisk(images);
    const overlay = await createOverlay(base, join(CACHE_DIR, 'overlays', `${NAME}.qcow2`));
    const before = await breakOemSuperblock(overlay, base);
    boot = await bootDisk(images, base, {
      name: NAME,
      overlay,
      append: `${diskCmdline('active')} rd.immucore.break=report`,
      input: watchFromReportBreak(),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    seen = readInitramfsFacts(NAME);
    oemBytes = {before, after: await bytesWrittenTo(overlay, base, 'COS_OEM')};
  });

  it('fails mount-oem naming COS_OEM, what e2fsck says and the fix; the boot is degraded', () => {
    expect(boot.timedOut).toBe(false);
    expect(seen.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(seen.report.status).toBe('degraded');
    const step = seen.report.steps.find((s) => s.name === 'mount-oem');
    expect(step?.outcome).toBe('failed');
    const lines = step?.error?.lines.join('\n') ?? '';
    expect(lines).toMatch(/OEM partition LABEL=COS_OEM was not mounted at \/sysroot\/oem/);
    expect(lines).toMatch(/; e2fsck -n says: \/dev\/vda\d has unsupported feature\(s\)/);
    expect(lines).toMatch(/Try: Check the filesystem on COS_OEM/);
    // It was there: no wait for a label that never comes, no "no OEM partition" warning.
    expect(seen.report.warnings.filter((w) => w.step === 'mount-oem')).toEqual([]);
  });

  it('goes on without the OEM configs: the image layout mounted, no /oem', () => {
    expect(seen.mounts.find((m) => m.target === '/sysroot/oem')).toBeUndefined();
    const outcomes = Object.fromEntries(seen.report.steps.map((s) => [s.name, s.outcome]));
    expect(outcomes).toMatchObject({
      'rootfs-stage': 'ok',
      'load-layout': 'ok',
      'mount-rw-paths': 'ok',
      'mount-persistent': 'ok',
      'initramfs-stage': 'ok',
    });
    for (const path of layout.rwPaths)
      expect(seen.mounts.find((m) => m.target === `/sysroot${path}`)?.fstype, path).toBe('overlay');
    const volume = seen.mounts.find((m) => m.target === '/sysroot/usr/local');
    const state = PERSISTENT_STATE_TARGET.slice('/usr/local'.length);
    for (const path of layout.persistentPaths)
      expect(seen.mounts.find((m) => m.target === `/sysroot${path}`)?.source, path).toBe(
        `${volume?.source}[${state}/${bindDirName(path)}]`,
      );
  });

  it('writes nothing to COS_OEM', () => {
    expect(oemBytes.before).toBeGreaterThan(0);
    expect(oemBytes.after).toBe(oemBytes.before);
  });
});
