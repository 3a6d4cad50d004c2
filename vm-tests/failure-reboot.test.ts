// A fatal failure on Kairos' own cmdline (`rd.emergency=reboot rd.shell=0`): dracut alone would
// reboot at once and the failure screen would be gone unread. immucore holds it (90 s, or until a
// key is pressed on the console), then reboots through systemd. The harness presses a key once
// the key reader says it listens, and stops QEMU on the kernel's reboot line.
import {beforeAll, describe, expect, it} from 'vitest';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/missing.img rd.emergency=reboot rd.shell=0';
const HOLD =
  /Rebooting in 90 s \(rd\.shell=0 rd\.emergency=reboot\): press any key on the console to reboot now\./;
// Printed by the key reader once it listens: a serial port drops what arrives before that.
const LISTENING = /immucore: waiting 90 s for a key on \/dev\/console, then rebooting/;

describe('failure screen held on rd.emergency=reboot rd.shell=0', () => {
  let boot: BootResult;

  beforeAll(async () => {
    const images = await buildImageSet();
    const disk = await buildStandardDisk(images);
    boot = await bootDisk(images, disk, {
      name: 'failure-reboot',
      append: CMDLINE,
      timeoutSec: 300,
      input: [{after: LISTENING, send: 'x'}],
      stopOn: /reboot: Restarting system/,
    });
  });

  it('paints the failure screen, saying it holds for a key', () => {
    expect(boot.log).toMatch(/immucore: the system cannot boot \(active boot, step attach-image failed\)/);
    expect(boot.log).toContain('/cOS/missing.img');
    expect(boot.log).toMatch(HOLD);
    expect(boot.typed.map((t) => t.send)).toEqual(['x']);
  });

  it('reboots on the key, not after the 90 s, and through systemd (reboot.target), never switching root', () => {
    expect(boot.log).toMatch(/a key was pressed: rebooting now/);
    expect(boot.log).not.toMatch(/no key within 90 s/);
    expect(boot.log).toMatch(/Reached target reboot\.target/);
    expect(boot.stoppedOn).toMatch(/reboot: Restarting system/);
    expect(boot.log).not.toMatch(/Starting .*initrd-switch-root|Switching root/);
    expect(boot.timedOut).toBe(false);
    const [key] = boot.typed;
    expect(boot.seconds - (key?.atSec ?? 0)).toBeLessThan(85);
  });
});
