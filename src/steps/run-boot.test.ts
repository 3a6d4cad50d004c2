// One boot end to end against the fake: which calls, in which order, the exit code, the failure
// screen and log. Logic only; the integration tests in test/boot prove the same boot with real mounts.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE as ACTIVE} from '../../test/fakes/step-context.ts';
import {runBoot} from './run-boot.ts';

const LAYOUT =
  'RW_PATHS="/var /etc"\nPERSISTENT_STATE_PATHS="/etc/ssh /home"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\nOVERLAY=tmpfs:25%\n';

function machine(cmdline: string, extra: Record<string, string> = {}) {
  return new FakeSys({
    devices: [
      {device: '/dev/vda2', info: {fstype: 'ext4', label: 'COS_OEM'}},
      {device: '/dev/vda4', info: {fstype: 'ext4', label: 'COS_STATE'}},
      {device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}},
    ],
    files: {
      '/proc/cmdline': cmdline,
      '/run/initramfs/cos-state/cOS/active.img': 'image',
      '/run/cos/cos-layout.env': LAYOUT,
      '/sysroot/etc/os-release': '',
      '/sysroot/var/.keep': '',
      '/sysroot/etc/ssh/sshd_config': '',
      '/sysroot/home/.keep': '',
      '/sysroot/usr/local/.keep': '',
      ...extra,
    },
  });
}

const quiet = {console: () => {}, logFile: false} as const;

describe('runBoot', () => {
  it('makes the calls of a disk boot in dependency order', async () => {
    const sys = machine(ACTIVE);
    const {exitCode, report} = await runBoot({sys, ...quiet});
    expect(exitCode).toBe(0);
    expect(report.status).toBe('ok');
    expect(sys.calls.filter((c) => /^(mount|attachLoop|waitForDevice|copyTree) /.test(c))).toEqual([
      'mount tmpfs tmpfs /tmp',
      'waitForDevice LABEL=COS_STATE',
      'mount ext4 /dev/vda4 /run/initramfs/cos-state',
      'attachLoop /run/initramfs/cos-state/cOS/active.img ro',
      'mount ext4 /dev/loop7 /sysroot',
      // unlock-oem's look found the plain OEM: mount-oem does not look again.
      'mount ext4 /dev/vda2 /sysroot/oem',
      'mount tmpfs tmpfs /run/overlay',
      'waitForDevice LABEL=COS_PERSISTENT',
      'mount ext4 /dev/vda5 /sysroot/usr/local',
      'mount overlay overlay /sysroot/etc',
      'mount overlay overlay /sysroot/var',
      'copyTree /sysroot/home /sysroot/usr/local/.state/.immucore/home.bind.staging',
      'mount none /sysroot/usr/local/.state/home.bind /sysroot/home',
      'copyTree /sysroot/etc/ssh /sysroot/usr/local/.state/.immucore/etc-ssh.bind.staging',
      'mount none /sysroot/usr/local/.state/etc-ssh.bind /sysroot/etc/ssh',
    ]);
    const writes = sys.calls.filter((c) => c.startsWith('write '));
    expect(writes.indexOf('write /sysroot/etc/fstab')).toBeLessThan(
      writes.indexOf('write /run/immucore/report.json'),
    );
    expect(writes[0]).toBe('write /run/cos/active_mode');
    expect(sys.calls).toContain('symlink /system -> /sysroot/system');
  });

  it('checks partitions per fsck.mode=force, and the image without repairs', async () => {
    const sys = machine(`${ACTIVE} fsck.mode=force`);
    await runBoot({sys, ...quiet});
    expect(sys.calls.filter((c) => c.startsWith('fsck '))).toEqual([
      'fsck /dev/vda4 force',
      'fsck /dev/loop7 force',
      'fsck /dev/vda2 force',
      'fsck /dev/vda5 force',
    ]);
  });

  it('mounts nothing on /sysroot when the images partition never appears', async () => {
    const sys = new FakeSys({files: {'/proc/cmdline': `${ACTIVE} rd.immucore.devtimeout=0`}});
    const {exitCode, report} = await runBoot({sys, ...quiet});
    expect(exitCode).toBe(1);
    expect(report.steps.find((s) => s.name === 'mount-state')?.error?.lines.join('\n')).toMatch(
      /Try: Check that a partition labelled COS_STATE exists/,
    );
    expect(sys.mounts.map((m) => m.target)).toEqual(['/tmp']);
    expect(sys.files.get('/run/immucore/boot_failure.log')?.mode).toBe(0o600);
  });

  it("holds the failure screen for a key on Kairos' cmdline, then reboots through systemd, in the initramfs only", async () => {
    const cmdline = `${ACTIVE} rd.immucore.devtimeout=0 rd.emergency=reboot rd.shell=0`;
    const live = new FakeSys({files: {'/proc/cmdline': cmdline}, key: 'key'});
    const lines: string[] = [];
    const {exitCode} = await runBoot({
      sys: live,
      console: (t) => void lines.push(t),
      logFile: false,
      live: true,
    });
    expect(exitCode).toBe(1);
    expect(live.calls.slice(-2)).toEqual([
      'waitForKey /dev/console 90000',
      'run systemctl --no-block reboot',
    ]);
    expect(lines.join('')).toMatch(/Rebooting in 90 s \(rd\.shell=0 rd\.emergency=reboot\): press any key/);
    const test = new FakeSys({files: {'/proc/cmdline': cmdline}, key: 'key'});
    await runBoot({sys: test, ...quiet});
    expect(test.calls.some((c) => c.includes('reboot') || c.startsWith('waitForKey'))).toBe(false);
  });

  it('holds 10 s with rd.immucore.rebootonfailure, then reboots', async () => {
    const cmdline = `${ACTIVE} rd.immucore.devtimeout=0 rd.immucore.rebootonfailure`;
    const live = new FakeSys({files: {'/proc/cmdline': cmdline}});
    await runBoot({sys: live, ...quiet, live: true});
    expect(live.calls.slice(-2)).toEqual([
      'waitForKey /dev/console 10000',
      'run systemctl --no-block reboot',
    ]);
  });

  it('leaves a good boot alone whatever the failure stanzas say', async () => {
    const sys = machine(`${ACTIVE} rd.emergency=reboot rd.shell=0 rd.immucore.rebootonfailure`);
    const {exitCode} = await runBoot({sys, ...quiet, live: true});
    expect(exitCode).toBe(0);
    expect(sys.calls.some((c) => c.includes('reboot') || c.startsWith('waitForKey'))).toBe(false);
  });

  it('opens a shell before the steps named by rd.immucore.break, then goes on', async () => {
    const sys = machine(`${ACTIVE} rd.immucore.break=mount-root,write-fstab`);
    const {exitCode} = await runBoot({sys, ...quiet, live: true});
    expect(exitCode).toBe(0);
    const shells = sys.calls
      .map((c, i) => [c, i] as const)
      .filter(([c]) => c.startsWith('run sh -c exec setsid -c -w sh -i'));
    expect(shells).toHaveLength(2);
    expect(sys.calls[(shells[0]?.[1] ?? 0) + 1]).toBe('mount ext4 /dev/loop7 /sysroot');
  });

  it('writes only the sentinel with rd.immucore.disable', async () => {
    const sys = machine(`${ACTIVE} rd.immucore.disable`);
    const {exitCode, report} = await runBoot({sys, ...quiet});
    expect(exitCode).toBe(0);
    expect(report.mode).toBe('live');
    expect(sys.mounts).toEqual([]);
    expect(sys.files.get('/run/cos/active_mode')?.text).toBe('1');
  });

  it("waits for dracut's /sysroot on live media and mounts no root", async () => {
    const sys = machine('root=live:CDLABEL=COS_LIVE rd.immucore.sysrootwait=1', {
      '/sysroot/system/.keep': '',
    });
    const {exitCode, report} = await runBoot({sys, ...quiet});
    expect(exitCode).toBe(0);
    expect(report.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['sentinel', 'ok'],
      ['wait-sysroot', 'ok'],
      ['rootfs-stage', 'ok'],
      // The initramfs stage waits for the memory policy, whose guard limits it reuses.
      ['memory-policy', 'ok'],
      ['initramfs-stage', 'ok'],
      ['report', 'ok'],
    ]);
    expect(sys.mounts).toEqual([]);
    expect(sys.files.get('/run/cos/live_mode')?.text).toBe('1');
    // Live media get the recovery memory policy (SPEC §10); this image has no nohang to enable.
    expect(report.memory?.policy).toMatchObject({preset: 'recovery'});
  });

  it('fails the live boot when /sysroot never appears', async () => {
    const sys = new FakeSys({
      files: {'/proc/cmdline': 'root=live:CDLABEL=COS_LIVE rd.immucore.sysrootwait=0'},
    });
    const {exitCode, report} = await runBoot({sys, ...quiet});
    expect(exitCode).toBe(1);
    expect(report.steps.find((s) => s.name === 'wait-sysroot')?.error?.message).toMatch(
      /\/sysroot\/system did not appear within 0 s/,
    );
  });

  it('paints the failure screen on every console= device, going on past one it cannot write', async () => {
    const cmdline = `${ACTIVE} rd.immucore.devtimeout=0 console=tty1 console=ttyS0,115200`;
    const sys = new FakeSys({files: {'/proc/cmdline': cmdline, '/dev/.keep': ''}}).fail(
      'write /dev/tty1',
      'EIO',
    );
    const lines: string[] = [];
    const {exitCode} = await runBoot({sys, console: (t) => void lines.push(t), logFile: false});
    expect(exitCode).toBe(1);
    expect(sys.calls.filter((c) => c.startsWith('write /dev/'))).toEqual([
      'write /dev/tty1',
      'write /dev/ttyS0',
    ]);
    const serial = sys.files.get('/dev/ttyS0')?.text ?? '';
    expect(serial).toMatch(/mount-state/);
    expect(serial).toContain('\r\n');
    expect(serial.replaceAll('\r\n', '\n')).toBe(lines.find((l) => l.includes('\n') && l.length > 200));
    expect(lines.join('')).toMatch(/cannot paint the failure screen on \/dev\/tty1: .*EIO.*, ignoring\./);
  });

  it('goes on degraded, exit 0, when a volume is missing, and the report names it', async () => {
    const sys = machine(`${ACTIVE} rd.immucore.volumetimeout=0`);
    sys.devices.splice(2, 1);
    const {exitCode, report} = await runBoot({sys, ...quiet});
    expect(exitCode).toBe(0);
    expect(report.status).toBe('degraded');
    expect(report.failures).toEqual([
      expect.objectContaining({step: 'mount-volumes', item: 'LABEL=COS_PERSISTENT:/usr/local'}),
    ]);
    expect(sys.files.has('/run/immucore/boot_failure.log')).toBe(false);
  });

  it('boots (exit 0) when the report cannot be written, and says so', async () => {
    const sys = machine(ACTIVE).fail('write /run/immucore/report.json', 'EROFS');
    const lines: string[] = [];
    const {exitCode, report} = await runBoot({sys, console: (t) => void lines.push(t), logFile: false});
    expect(exitCode).toBe(0);
    // Every mount was made and the fstab written; only the report step failed.
    expect(sys.calls).toContain('write /sysroot/etc/fstab');
    expect(report.steps.filter((s) => s.outcome !== 'ok').map((s) => s.name)).toEqual(['report']);
    expect(lines.join('')).toMatch(
      /cannot write the boot report \/run\/immucore\/report\.json: .*EROFS.*; the boot goes on without it/,
    );
    expect(sys.files.has('/run/immucore/boot_failure.log')).toBe(false);
  });

  it('still paints the failure screen and exits 1 when neither the report nor the failure log can be written', async () => {
    const sys = new FakeSys({
      files: {'/proc/cmdline': `${ACTIVE} rd.immucore.devtimeout=0`},
    }).fail(/^write \/run\/immucore\//, 'EROFS');
    const lines: string[] = [];
    const {exitCode, report} = await runBoot({sys, console: (t) => void lines.push(t), logFile: false});
    expect(exitCode).toBe(1);
    expect(report.status).toBe('failed');
    const text = lines.join('');
    expect(text).toMatch(/cannot write \/run\/immucore\/boot_failure\.log: .*EROFS/);
    expect(text).toMatch(/immucore: the system cannot boot \(active boot, step mount-state failed\)/);
  });

  it('exits 143 with a cancelled report when stopped before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const sys = machine(ACTIVE);
    const {exitCode, report} = await runBoot({sys, ...quiet, signal: controller.signal});
    expect(exitCode).toBe(143);
    expect(report.status).toBe('cancelled');
    expect(sys.mounts).toEqual([]);
    expect(sys.files.get('/run/immucore/boot_failure.log')?.text).toMatch(/SIGTERM/);
  });

  it('names the step a SIGTERM between steps kept from starting, not a step "none"', async () => {
    const controller = new AbortController();
    controller.abort();
    const sys = machine(ACTIVE);
    const lines: string[] = [];
    await runBoot({sys, console: (t) => void lines.push(t), logFile: false, signal: controller.signal});
    const log = sys.files.get('/run/immucore/boot_failure.log')?.text ?? '';
    const first = /^step: none \(stopped before ([a-z-]+)\)$/m.exec(log)?.[1];
    expect(first).toBeDefined();
    expect(lines.join('')).toContain(`before the active boot was complete (before step ${first})`);
    expect(lines.join('')).not.toMatch(/in step none/);
  });

  it('opens no break shell outside the initramfs, and says so', async () => {
    const sys = machine(`${ACTIVE} rd.immucore.break=mount-root`);
    const lines: string[] = [];
    const {exitCode} = await runBoot({sys, console: (t) => void lines.push(t), logFile: false});
    expect(exitCode).toBe(0);
    // The only tool run: udev is asked to link the root image (attach-image), no shell.
    expect(sys.runs).toEqual([['udevadm', 'trigger', '--action=change', '/dev/loop7']]);
    expect(lines.join('')).toContain(
      'rd.immucore.break=mount-root: a break shell only opens in the initramfs, ignoring.',
    );
  });
});
