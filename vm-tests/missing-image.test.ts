// A fatal failure (the image file named by cos-img/filename= does not exist): immucore paints
// the failure screen on the console and exits non-zero; the unit's failure stops the initrd
// before switch-root (initrd-fs.target depends on it). rd.shell=0 rd.emergency=poweroff turns
// dracut's emergency shell into a power-off, so the VM ends by itself.
import {beforeAll, describe, expect, it} from 'vitest';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/missing.img rd.shell=0 rd.emergency=poweroff';

describe('boot with a missing root image', () => {
  let boot: BootResult;

  beforeAll(async () => {
    const images = await buildImageSet();
    const disk = await buildStandardDisk(images);
    boot = await bootDisk(images, disk, {name: 'missing-image', append: CMDLINE, timeoutSec: 240});
  });

  it('paints the failure screen naming the step, the input and where the logs are', () => {
    expect(boot.log).toMatch(/immucore: the system cannot boot \(active boot, step attach-image failed\)/);
    expect(boot.log).toContain('/cOS/missing.img');
    expect(boot.log).toContain('/run/immucore/report.json');
  });

  it('stops the initrd before switch-root and powers off', () => {
    // The console abbreviates long unit names ("immucore.s…"): match the start only.
    expect(boot.log).toMatch(/Failed to start immucore/);
    expect(boot.log).not.toMatch(/Starting .*initrd-switch-root|Switching root/);
    expect(boot.facts).toBeUndefined();
    expect(boot.timedOut).toBe(false);
  });
});
