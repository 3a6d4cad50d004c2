// Issue 13, scenario 6: a stage step fills the RAM the overlays live in. The overlay tmpfs is
// mounted at /run/overlay by mount-overlay-base, after the rootfs stage (SPEC §4), so a rootfs
// step that writes to /run/overlay fills the initramfs's own /run (here a small tmpfs, as dracut's
// is) under that mountpoint; the initramfs stage, which runs after the mounts, fills the overlay
// tmpfs itself through /var. Either way the filling step fails naming the full disk and the mounts
// and steps after it still happen; the memory policy's check of that tmpfs against RAM warns.
import fs from 'node:fs/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {ENTRY, makeMachine, mountsUnder} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {busyboxTree, installBusybox} from './busybox.ts';

const t = withTempRoot();
const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const LAYOUT = [
  'OVERLAY="tmpfs:16M"',
  'RW_PATHS="/var /etc /srv"',
  'PERSISTENT_STATE_PATHS="/root /home"',
  'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
  '',
].join('\n');
const FILL = 'yes 0123456789abcdef | dd of=%s bs=64k';

async function machineWith(oem: string) {
  // The rootfs stage runs chrooted in the test root (the "initramfs"), the initramfs stage in the image.
  await installBusybox(t.root);
  const machine = await makeMachine(t, {
    images: ['active'],
    oem: {'90_fill.yaml': oem},
    imageExtra: busyboxTree(),
  });
  await fs.mkdir(t.path('proc'), {recursive: true});
  // 72 MiB of RAM: a 16 MiB overlay tmpfs leaves 56, below the memory policy's 64 MiB floor.
  await fs.writeFile(t.path('proc/meminfo'), 'MemTotal:  73728 kB\nMemAvailable:  60000 kB\n');
  return machine;
}

/** Every mount the layout asks for is there: the overlay tmpfs, the RW overlays, the binds. */
function expectLayoutMounted(mounts: Awaited<ReturnType<typeof mountsUnder>>): void {
  const at = (target: string) => mounts.filter((m) => m.target === target).at(-1);
  expect(at('/run/overlay')).toMatchObject({
    fstype: 'tmpfs',
    superOptions: expect.arrayContaining(['size=16384k']),
  });
  for (const p of ['/etc', '/var', '/srv']) expect(at(`/sysroot${p}`)?.fstype, p).toBe('overlay');
  for (const p of ['/root', '/home']) expect(at(`/sysroot${p}`)?.fstype, p).toBe('ext4');
  expect(at('/sysroot/usr/local')?.fstype).toBe('ext4');
}

describe('a stage step that fills the overlay RAM', () => {
  it('initramfs stage, /var on the overlay tmpfs: the step fails naming ENOSPC, the next step runs, the budget warning fires', async () => {
    const machine = await machineWith(`stages:
  initramfs:
    - name: fill /var
      commands: ["${FILL.replace('%s', '/var/fill')}"]
    - name: after the fill
      commands: ["touch /etc/after-fill"]
`);
    const {result, report, mounts} = await machine.boot(ACTIVE, {layout: LAYOUT});
    expect(result.exitCode, result.all).toBe(0);
    expect(report.status).toBe('degraded');
    expect(report.failures).toEqual([
      expect.objectContaining({
        step: 'initramfs-stage',
        message: expect.stringMatching(
          /^initramfs "fill \/var" .* exited 1: dd: error writing '\/var\/fill': No space left on device\n/,
        ),
      }),
    ]);
    // The whole tmpfs went to the file; the step after it still ran.
    expect((await fs.stat(t.path('run/overlay/var/.overlay/upper/fill'))).size).toBeGreaterThan(15 * 2 ** 20);
    await fs.access(t.path('sysroot/etc/after-fill'));
    expect(report.warnings).toContainEqual(
      expect.objectContaining({
        step: 'memory-policy',
        message: expect.stringMatching(
          /^The memory policy leaves [\d.]+ MiB for processes, below the floor of 64 MiB: the overlay tmpfs \(tmpfs:16M\) may take 16 MiB of 72 MiB/,
        ),
      }),
    );
    expectLayoutMounted(mounts);
  });

  it('rootfs stage, /run/overlay before its tmpfs: the step fails naming ENOSPC, every mount still happens, the full /run costs the log file and the report, never the boot', async () => {
    const machine = await machineWith(`stages:
  rootfs:
    - name: fill /run/overlay
      commands: ["mkdir -p /run/overlay && ${FILL.replace('%s', '/run/overlay/fill')}"]
`);
    // The initramfs's /run is a tmpfs (dracut, systemd): 8 MiB here, which the step fills.
    await fs.mkdir(t.path('run/cos'), {recursive: true});
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=8M,mode=0755', 'tmpfs', t.path('run')]);
    await fs.mkdir(t.path('run/cos'), {recursive: true});
    await fs.writeFile(t.path('run/cos/cos-layout.env'), LAYOUT);
    await fs.writeFile(t.path('proc/cmdline'), `${ACTIVE}\n`);
    const [cmd, ...pre] = ENTRY.compiled;
    const argv = [...pre, 'run', '--root', t.root, '--devices', machine.devices.join(',')];
    const result = await execa(cmd, argv, {reject: false, all: true});
    // Degraded, and on: before this fix the log file's ENOSPC crashed immucore mid-stage.
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(
      /rootfs "fill \/run\/overlay" .* exited 1: dd: error writing '\/run\/overlay\/fill': No space left on device/,
    );
    expect(result.all).toMatch(/warn: cannot write the log file .*\/run\/immucore\/immucore\.log \(ENOSPC/);
    expect(result.all).toMatch(/cannot write the boot report \/run\/immucore\/report\.json: .*ENOSPC/);
    expect(result.all).toMatch(/warn: The memory policy leaves [\d.]+ MiB for processes, below the floor/);
    // The file the step wrote is hidden by the tmpfs from now on, its RAM still taken: said once.
    expect(result.all).toMatch(
      /warn: \/run\/overlay: \/run\/overlay already holds fill before the overlay backing is mounted over it/,
    );
    expect(result.all).toMatch(/boot degraded in/);
    // No half-written report for `immucore status` to choke on, no temp file holding space.
    expect((await fs.readdir(t.path('run/immucore'))).filter((n) => n.startsWith('report'))).toEqual([]);
    expectLayoutMounted(await mountsUnder(t.root));
  });
});
