// Issue 13, scenario 12: a kernel that cannot load overlay in the initramfs. Debian's kernel builds
// overlay as a module (CONFIG_OVERLAY_FS=m) and immucore's dracut module installs it; the boot
// blacklists it instead of building a second initramfs without it: rd.driver.blacklist=overlay
// (dracut's modprobe.d) and modprobe.blacklist=overlay (kmod reads the cmdline itself). For the
// kernel it is the same fault: mount(2) asks modprobe for fs-overlay, which loads nothing, and the
// mount fails ENODEV. Without a check every RW path failed alone and the boot went on "degraded"
// with a read-only /etc and /var; immucore now fails the boot in mount-root, before anything is
// mounted, naming the module, what modprobe said and the fix.
import {beforeAll, describe, expect, it} from 'vitest';
import {diskCmdline} from './lib/expect-boot.ts';
import {FAILURE_SCREEN_END} from './lib/faults.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const BLACKLIST = 'rd.driver.blacklist=overlay modprobe.blacklist=overlay';

describe('boot with a kernel that cannot load overlay', () => {
  let boot: BootResult;

  beforeAll(async () => {
    const images = await buildImageSet();
    boot = await bootDisk(images, await buildStandardDisk(images), {
      name: 'missing-module',
      append: `${diskCmdline('active')} ${BLACKLIST} rd.shell=0 rd.emergency=poweroff`,
      timeoutSec: 240,
      stopOn: FAILURE_SCREEN_END,
    });
  });

  it('fails in mount-root, naming the module, the check and the fix', () => {
    expect(boot.log).toMatch(/immucore: the system cannot boot \(active boot, step mount-root failed\)/);
    expect(boot.log).toMatch(
      /The kernel cannot mount overlay filesystems, which every RW path of the layout needs: \/proc\/filesystems has no overlay and "modprobe -b -- overlay" did not add it/,
    );
    expect(boot.log).toMatch(
      /Try: Rebuild the initramfs with the overlay module \(dracut --add-drivers overlay/,
    );
  });

  it('mounts no root and stops before switch-root', () => {
    expect(boot.log).not.toMatch(/immucore\[mount-root\]: LABEL=COS_ACTIVE .* on \/sysroot/);
    expect(boot.stoppedOn).toBeDefined();
    expect(boot.timedOut).toBe(false);
    expect(boot.log).not.toMatch(/Switching root/);
    expect(boot.facts).toBeUndefined();
  });
});
