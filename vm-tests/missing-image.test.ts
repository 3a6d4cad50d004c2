// A fatal failure (the image file named by cos-img/filename= does not exist): immucore paints
// the failure screen on the console and exits non-zero; the unit's failure stops the initrd
// before switch-root (initrd-fs.target depends on it). With rd.shell=0 rd.emergency=poweroff
// there is no shell to read the screen from, so immucore holds it 90 s (nobody presses a key
// here: failure-reboot does), then powers off through systemd, and the VM ends by itself.
import {beforeAll, describe, expect, it} from 'vitest';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/missing.img rd.shell=0 rd.emergency=poweroff';

describe('boot with a missing root image', () => {
  let boot: BootResult;

  beforeAll(async () => {
    const images = await buildImageSet();
    const disk = await buildStandardDisk(images);
    boot = await bootDisk(images, disk, {name: 'missing-image', append: CMDLINE, timeoutSec: 330});
  });

  it('paints the failure screen naming the step, the input and where the logs are', () => {
    expect(boot.log).toMatch(/immucore: the system cannot boot \(active boot, step attach-image failed\)/);
    expect(boot.log).toContain('/cOS/missing.img');
    expect(boot.log).toContain('/run/immucore/report.json');
  });

  it('holds the screen the full 90 s without a key, then powers off through systemd', () => {
    expect(boot.log).toMatch(/Powering off in 90 s \(rd\.shell=0 rd\.emergency=poweroff\): press any key/);
    expect(boot.log).toMatch(/immucore: waiting 90 s for a key on \/dev\/console, then powering off/);
    const held = kernelTime(boot.log, /holding the failure screen 90 s/);
    const ended = kernelTime(boot.log, /no key within 90 s: powering off now/);
    expect(ended - held).toBeGreaterThanOrEqual(89.5);
    expect(boot.log).toMatch(/Reached target poweroff\.target/);
  });

  it('stops the initrd before switch-root and powers off', () => {
    // The console abbreviates long unit names ("immucore.s…"): match the start only.
    expect(boot.log).toMatch(/Failed to start immucore/);
    expect(boot.log).not.toMatch(/Starting .*initrd-switch-root|Switching root/);
    expect(boot.facts).toBeUndefined();
    expect(boot.timedOut).toBe(false);
  });
});

/** The kernel timestamp (seconds) of the first console line matching `re`: `[  55.66] immucore[241]: …`. */
function kernelTime(log: string, re: RegExp): number {
  const line = log.split('\n').find((l) => re.test(l));
  const t = line && /^\[\s*(\d+\.\d+)\]/.exec(line)?.[1];
  expect(t, `no timestamped console line matches ${re}`).toBeTruthy();
  return Number(t);
}
