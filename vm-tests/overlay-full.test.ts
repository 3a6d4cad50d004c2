// Issue 13, scenario 6: a stage step fills the overlay tmpfs (agent/cloud-config/overlay-full.yaml:
// OVERLAY="tmpfs:48M" in the layout, an initramfs step that writes /var until the tmpfs is full).
// /run/overlay
// is mounted after the rootfs stage (SPEC §4), so the initramfs stage is the one that can fill it;
// a rootfs step writing there writes into the initramfs's own /run instead, hidden by the mount
// (test/stages/overlay-full fills it): here a small file, which mount-overlay-base must name.
// The step fails naming ENOSPC, the next step runs, every RW overlay and persistent bind is
// mounted, the memory budget counts the tmpfs at its full size, immucore.service succeeds. Ends in
// the initramfs (lib/initramfs-watch.ts). The budget's warning itself is proven in the namespace
// (test/stages/overlay-full.test.ts, with a small MemTotal): nohang takes a soft threshold of at most
// 50 % of RAM, so in this 1 GiB guest only a tmpfs over ~400 MiB would leave less than the 64 MiB
// floor, more than the initramfs can fill safely.
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import {diskCmdline} from './lib/expect-boot.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {
  detached,
  type InitramfsFacts,
  PORT,
  readInitramfsFacts,
  WATCH_END,
  watcherScript,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import {readSections, sectionMark} from './lib/port-sections.ts';
import type {BootResult} from './lib/qemu.ts';

const NAME = 'overlay-full';
const CONFIG = 'kairos.config_url=/system/immucore-test/overlay-full.yaml';
const FILL = '/var/immucore-fill';
const AFTER = '/etc/immucore-after-fill';

describe('a stage step that fills the overlay tmpfs', () => {
  const layout = expectedLayout('active_mode');
  let boot: BootResult;
  let seen: InitramfsFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    // At the report break, on ttyS1 before the watcher's report (whose findmnt lists the mounts):
    // the tmpfs's use (statfs of an overlay is its upper layer's) and what the steps left,
    // chrooted in /sysroot for the image's coreutils.
    const look = [
      sectionMark('OVERLAY', 'STATFS'),
      'stat -f -c "%S %b %f" /var',
      sectionMark('OVERLAY', 'SIZES'),
      `stat -c %s ${FILL} ${AFTER}`,
      sectionMark('OVERLAY', 'END'),
    ].join('; ');
    boot = await bootDisk(images, await buildStandardDisk(images), {
      name: NAME,
      append: `${diskCmdline('active')} ${CONFIG} rd.immucore.break=report`,
      input: [
        {
          after: /immucore break \(report\) # /,
          send: `chroot /sysroot sh -c '${look}' >${PORT} 2>&1; ${detached(watcherScript(), PORT)} exit\n`,
        },
      ],
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    seen = readInitramfsFacts(NAME);
  });

  it('fails the filling step naming ENOSPC; the next step runs; immucore.service succeeds, degraded', () => {
    expect(boot.timedOut).toBe(false);
    expect(seen.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(seen.report.status).toBe('degraded');
    expect(seen.report.failures).toEqual([
      expect.objectContaining({
        step: 'initramfs-stage',
        message: expect.stringMatching(
          /^initramfs "Fill the overlay tmpfs" .* exited 1: dd: error writing '\/var\/immucore-fill': No space left on device\n/,
        ),
      }),
    ]);
    expect(boot.log).toMatch(/dd: error writing '\/var\/immucore-fill': No space left on device/);
  });

  it('filled the 48 MiB tmpfs, and the step after it wrote its file', () => {
    const s = readSections(NAME, 'OVERLAY', ['STATFS', 'SIZES', 'END']);
    const [block = 0, blocks = 0, free = 1] = (s.STATFS?.[0] ?? '').split(' ').map(Number);
    expect(block * blocks).toBe(48 * 2 ** 20);
    // Full: what is left is less than one dd block.
    expect(block * free).toBeLessThan(64 * 1024);
    const [fill = 0, after = -1] = (s.SIZES ?? []).map(Number);
    expect(fill).toBeGreaterThan(47 * 2 ** 20);
    expect(after).toBe(0);
  });

  it('mounts every RW overlay on the 48 MiB tmpfs and binds every persistent path', () => {
    expect(seen.mounts.find((m) => m.target === '/run/overlay')?.fstype).toBe('tmpfs');
    for (const path of layout.rwPaths) {
      const m = seen.mounts.find((x) => x.target === `/sysroot${path}`);
      expect(m, path).toMatchObject({fstype: 'overlay', source: 'overlay'});
    }
    const volume = seen.mounts.find((m) => m.target === '/sysroot/usr/local');
    const state = PERSISTENT_STATE_TARGET.slice('/usr/local'.length);
    for (const path of layout.persistentPaths)
      expect(seen.mounts.find((m) => m.target === `/sysroot${path}`)?.source, path).toBe(
        `${volume?.source}[${state}/${bindDirName(path)}]`,
      );
    // A failed stage step is a failure of the boot (above), not of the stage's step: that ran.
    expect(
      seen.report.steps
        .filter((s) => !['ok', 'skipped'].includes(s.outcome) && s.name !== 'report')
        .map((s) => s.name),
    ).toEqual([]);
  });

  it('warns that a rootfs step wrote under /run/overlay, now hidden by the tmpfs', () => {
    expect(seen.report.warnings).toContainEqual(
      expect.objectContaining({
        step: 'mount-overlay-base',
        item: '/run/overlay',
        message: expect.stringMatching(
          /^\/run\/overlay already holds immucore-early before the overlay backing is mounted over it/,
        ),
      }),
    );
  });

  it('counts the 48 MiB overlay tmpfs at its full size in the memory budget', () => {
    const budget = seen.report.memory?.policy?.budget;
    expect(budget).toMatchObject({overlay: 'tmpfs:48M', overlayTmpfsMiB: 48, floorMiB: 64});
    const total = budget?.memTotalMiB ?? 0;
    expect(total).toBeGreaterThan(48);
    expect(budget?.leftMiB).toBeCloseTo(total - 48, 1);
  });
});
