// What a boot does with bad input and missing pieces (SPEC §9): degrade per item, fail loudly on
// what the system cannot boot without, and never lose anything.
import fs from 'node:fs/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {ENTRY, makeMachine, mountsUnder} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const t = withTempRoot();
const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const LAYOUT =
  'RW_PATHS="/var /etc /srv"\nPERSISTENT_STATE_PATHS="/etc/ssh /home"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n';

describe('a boot that goes wrong', () => {
  it('boots ok without an OEM partition, with a warning, everything else mounted', async () => {
    const machine = await makeMachine(t, {oem: false});
    const {result, report, mounts} = await machine.boot(`${ACTIVE} rd.immucore.oemtimeout=1`, {
      layout: LAYOUT,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(report.status).toBe('ok');
    expect(report.steps.find((s) => s.name === 'mount-oem')).toMatchObject({outcome: 'ok'});
    expect(report.failures).toEqual([]);
    expect(report.warnings.filter((w) => w.step === 'mount-oem')).toEqual([
      {
        step: 'mount-oem',
        item: 'LABEL=COS_OEM',
        message: 'no OEM partition appeared within 1 s',
        hint: expect.stringMatching(/^Create an ext4 partition labelled COS_OEM/),
      },
    ]);
    // Still bounded by rd.immucore.oemtimeout: the wait ends after 1 s, not the 5 s default. It is
    // unlock-oem's (for the label or a LUKS container), and mount-oem does not wait again.
    const waited = report.steps
      .filter((s) => s.name === 'unlock-oem' || s.name === 'mount-oem')
      .reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
    expect(waited).toBeGreaterThan(900);
    expect(waited).toBeLessThan(4000);
    expect(result.all).toMatch(/LABEL=COS_OEM: no OEM partition appeared within 1 s, ignoring\. Try: Create/);
    expect(result.all).not.toMatch(/cannot boot/);
    for (const target of [
      '/sysroot',
      '/sysroot/etc',
      '/sysroot/var',
      '/sysroot/usr/local',
      '/sysroot/etc/ssh',
      '/sysroot/home',
    ]) {
      expect(
        mounts.map((m) => m.target),
        target,
      ).toContain(target);
    }
    expect(mounts.map((m) => m.target)).not.toContain('/sysroot/oem');
    expect(await fs.readFile(t.path('sysroot/etc/fstab'), 'utf8')).not.toMatch(/COS_OEM/);
  });

  it('stops before switch-root when the image file is missing: exit 1, failure log 0600, screen', async () => {
    const machine = await makeMachine(t, {images: ['passive', 'recovery']});
    await fs.mkdir(t.path('dev'), {recursive: true});
    const {result, report, mounts} = await machine.boot(`${ACTIVE} console=ttyS0,115200`);
    expect(result.exitCode).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.steps.find((s) => s.name === 'attach-image')).toMatchObject({outcome: 'failed'});
    expect(report.steps.find((s) => s.name === 'mount-root')).toMatchObject({
      outcome: 'skipped',
      skipReason: expect.stringMatching(/attach-image/),
    });
    expect(mounts.map((m) => m.target).filter((m) => m.startsWith('/sysroot'))).toEqual([]);
    const log = await fs.stat(t.path('run/immucore/boot_failure.log'));
    expect(log.mode & 0o777).toBe(0o600);
    const failure = await fs.readFile(t.path('run/immucore/boot_failure.log'), 'utf8');
    expect(failure).toMatch(/Root image "\/run\/initramfs\/cos-state\/cOS\/active.img" does not exist/);
    expect(failure).toMatch(/Try: The images partition holds \/cOS\/passive.img/);
    expect(failure).toMatch(/cmdline: root=LABEL=COS_ACTIVE/);
    // The screen is on our output (journal and console) and on each console= device.
    expect(result.all).toMatch(/immucore: the system cannot boot \(active boot, step attach-image failed\)/);
    expect(await fs.readFile(t.path('dev/ttyS0'), 'utf8')).toMatch(/the system cannot boot/);
  });

  it('skips an RW path that is not in the image with a warning naming it', async () => {
    const machine = await makeMachine(t);
    const {result, report, mounts} = await machine.boot(ACTIVE, {
      layout: 'RW_PATHS="/etc /nonexistent /var"\n',
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(report.status).toBe('ok');
    // The test image has no nohang: memory-policy warns too (test/memory).
    expect(report.warnings.filter((w) => w.step !== 'memory-policy')).toEqual([
      expect.objectContaining({
        step: 'mount-rw-paths',
        item: '/nonexistent',
        hint: expect.stringMatching(/Create \/nonexistent in the image/),
      }),
    ]);
    expect(mounts.filter((m) => m.fstype === 'overlay').map((m) => m.target)).toEqual([
      '/sysroot/etc',
      '/sysroot/var',
    ]);
  });

  it('fails only the volume whose device never appears, after its timeout', async () => {
    const machine = await makeMachine(t, {extra: {DATA: {'data-marker': 'yes'}}});
    const layout = `${LAYOUT.replace('VOLUMES="LABEL=COS_PERSISTENT:/usr/local"', 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=MISSING:/srv/missing LABEL=DATA:/opt"')}`;
    const {result, report, mounts} = await machine.boot(`${ACTIVE} rd.immucore.volumetimeout=1`, {layout});
    expect(result.exitCode, result.all).toBe(0);
    expect(report.status).toBe('degraded');
    expect(report.failures).toEqual([
      expect.objectContaining({
        step: 'mount-volumes',
        item: 'LABEL=MISSING:/srv/missing',
        message: expect.stringMatching(/MISSING/),
      }),
    ]);
    expect(mounts.map((m) => m.target)).toEqual(
      expect.arrayContaining(['/sysroot/usr/local', '/sysroot/opt', '/sysroot/etc/ssh']),
    );
    expect(await fs.readFile(t.path('sysroot/opt/data-marker'), 'utf8')).toBe('yes');
    // Volumes mount read-write (the Go immucore mounted data volumes read-only).
    expect(mounts.find((m) => m.target === '/sysroot/opt')?.options).toContain('rw');
  });

  it('names a malformed layout line and boots with the defaults for it', async () => {
    const machine = await makeMachine(t);
    const {result, report} = await machine.boot(ACTIVE, {
      layout: `${LAYOUT}this line is not a variable\nPERSISTENT_STATE_BIND=perhaps\n`,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({level: 'error', input: 'this line is not a variable'}),
        expect.objectContaining({
          level: 'error',
          input: 'PERSISTENT_STATE_BIND=perhaps',
          hint: expect.stringMatching(/true|false/),
        }),
      ]),
    );
    expect(report.status).toBe('degraded');
    expect(report.mounts.map((m) => m.target)).toEqual(
      expect.arrayContaining(['/sysroot/etc/ssh', '/sysroot/home']),
    );
    expect(report.mounts.find((m) => m.target === '/sysroot/etc/ssh')?.fstype).toBe('none');
  });

  it('names a malformed cmdline stanza and uses its default', async () => {
    const machine = await makeMachine(t);
    const {result, report, mounts} = await machine.boot(
      `${ACTIVE} rd.immucore.overlay=tmpfs:lots rd.immucore.oemlable=X`,
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({level: 'error', input: 'rd.immucore.overlay=tmpfs:lots'}),
        expect.objectContaining({
          level: 'warning',
          input: 'rd.immucore.oemlable=X',
          hint: expect.stringMatching(/rd.immucore.oemlabel/),
        }),
      ]),
    );
    expect(mounts.find((m) => m.target === '/run/overlay')?.superOptions.join(',')).toMatch(/size=/);
  });

  it('on SIGTERM finishes the mount in flight, writes the report and exits non-zero', async () => {
    const machine = await makeMachine(t);
    await fs.mkdir(t.path('proc'), {recursive: true});
    await fs.writeFile(t.path('proc/cmdline'), `${ACTIVE} rd.immucore.volumetimeout=60\n`);
    await fs.mkdir(t.path('run/cos'), {recursive: true});
    await fs.writeFile(t.path('run/cos/cos-layout.env'), 'VOLUMES="LABEL=NEVER:/srv"\n');
    const [cmd, ...pre] = ENTRY.compiled;
    const argv = [...pre, 'run', '--root', t.root, '--devices', machine.devices.join(',')];
    const child = execa(cmd, argv, {reject: false, all: true});
    // Stop it while it waits for the volume that never comes.
    await new Promise<void>((resolve, reject) => {
      child.all?.on('data', (chunk: Buffer) => {
        if (/mount-overlay-base \(\d+\/\d+\): done/.test(String(chunk))) resolve();
      });
      child.catch(reject);
    });
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, `${result.signal} ${result.all}`).toBe(143);
    const report = JSON.parse(await fs.readFile(t.path('run/immucore/report.json'), 'utf8'));
    expect(report.status).toBe('cancelled');
    expect(report.steps.find((s: {name: string}) => s.name === 'write-fstab')).toMatchObject({
      outcome: 'skipped',
      skipReason: expect.stringMatching(/cancel/),
    });
    // No stray loop device: the root image's loop is the one under /sysroot.
    const {stdout} = await execa('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']);
    const ours = stdout
      .split('\n')
      .filter((l) => l.includes(`${t.root}/`))
      .map((l) => l.trim().split(/\s+/)[0]);
    const sysroot = (await mountsUnder(t.root)).find((m) => m.target === '/sysroot');
    expect(ours).toEqual([sysroot?.source]);
  });
});
