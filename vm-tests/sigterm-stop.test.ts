// Issue 13, scenario 7: systemd stops immucore.service in the middle of a boot (an operator's
// `systemctl stop`, or the unit's start timeout). From a rd.immucore.break=mount-rw-paths shell (the
// root, OEM and the volume are mounted by then) the harness starts a watcher outside the unit
// (lib/initramfs-watch.ts), asks systemd to stop the unit without waiting (a blocking `systemctl
// stop` from inside the unit would wait for the shell that runs it), waits until the stop has begun
// (immucore has its SIGTERM) and exits the shell. immucore must start no further step, write its
// report and the failure log, exit 143, and the initrd must not switch root into the half-built
// system: the unit's failure isolates emergency.target, which powers off (rd.emergency=poweroff).
import {beforeAll, describe, expect, it} from 'vitest';
import {diskCmdline} from './lib/expect-boot.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {
  detached,
  type InitramfsFacts,
  PORT,
  readInitramfsFacts,
  UNIT,
  waitWhileUnit,
  watcherScript,
} from './lib/initramfs-watch.ts';
import type {BootResult} from './lib/qemu.ts';

const NAME = 'sigterm-stop';
const PROMPT = /immucore break \(mount-rw-paths\) # /;
const TYPED = `${detached(watcherScript(), PORT)} systemctl --no-block stop ${UNIT}; ${waitWhileUnit(['activating'])}; exit\n`;

describe('immucore.service stopped by systemd in the middle of a boot', () => {
  let boot: BootResult;
  let seen: InitramfsFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    boot = await bootDisk(images, await buildStandardDisk(images), {
      name: NAME,
      append: `${diskCmdline('active')} rd.immucore.break=mount-rw-paths rd.shell=0 rd.emergency=poweroff`,
      input: [{after: PROMPT, send: TYPED}],
      timeoutSec: 300,
    });
    seen = readInitramfsFacts(NAME);
  });

  it('exits 143: the unit failed, and its report says cancelled', () => {
    expect(boot.typed.map((t) => t.send)).toEqual([TYPED]);
    expect(seen.unit).toMatchObject({ActiveState: 'failed', Result: 'exit-code', ExecMainStatus: '143'});
    expect(seen.report.status).toBe('cancelled');
  });

  it('starts no step after the signal: mount-rw-paths and what follows are skipped, cancelled', () => {
    const outcomes = Object.fromEntries(seen.report.steps.map((s) => [s.name, s.outcome]));
    expect(outcomes).toMatchObject({'mount-root': 'ok', 'mount-volumes': 'ok', 'mount-rw-paths': 'skipped'});
    expect(seen.report.steps.find((s) => s.name === 'mount-rw-paths')?.skipReason).toBe('cancelled');
    expect(seen.mounts.filter((m) => m.fstype === 'overlay')).toEqual([]);
    expect(seen.mounts.find((m) => m.target === '/sysroot')?.fstype).toBe('ext4');
  });

  it('paints the SIGTERM screen and writes the failure log', () => {
    expect(boot.log).toMatch(/immucore: stopped by SIGTERM before the active boot was complete/);
    expect(seen.failureLog).toMatch(/^next: shell, stopped by SIGTERM$/m);
    expect(seen.failureLog).toMatch(/immucore was stopped \(SIGTERM\) before the boot was complete/);
  });

  it('does not switch root: the initrd powers off from emergency.target', () => {
    expect(boot.log).toMatch(/Reached target .*emergency\.target/);
    expect(boot.log).toMatch(/reboot: Power down/);
    expect(boot.log).not.toMatch(/Starting .*initrd-switch-root|Switching root/);
    expect(boot.facts).toBeUndefined();
    expect(boot.timedOut).toBe(false);
  });
});
