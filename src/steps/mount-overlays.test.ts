// The writable layer: its backing at /run/overlay, and one overlay per RW path; a path the image
// lacks is skipped with a warning, one overlay that fails costs only itself.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext, stepError} from '../../test/fakes/step-context.ts';
import {mountOverlayBase, mountRwPaths} from './mount-overlays.ts';

/** A mounted root image holding `paths` (each a directory). */
const image = (...paths: string[]) =>
  new FakeSys({
    devices: [{device: '/dev/vda7', info: {fstype: 'ext4', label: 'COS_OVERLAY'}}],
    files: Object.fromEntries(paths.map((p) => [`/sysroot${p}/.keep`, ''])),
  });

describe('mountOverlayBase', () => {
  const valid = [
    {
      name: 'a tmpfs backing is mounted with the size the layout gives',
      layout: 'OVERLAY=tmpfs:25%\n',
      calls: ['mount tmpfs tmpfs /run/overlay'],
      options: ['rw', 'size=25%'],
    },
    {
      name: 'the cmdline default is a tmpfs of 20% of RAM',
      layout: '',
      calls: ['mount tmpfs tmpfs /run/overlay'],
      options: ['rw', 'size=20%'],
    },
    {
      name: 'a device backing is waited for, checked and mounted read-write',
      layout: 'OVERLAY=LABEL=COS_OVERLAY\n',
      calls: ['waitForDevice LABEL=COS_OVERLAY', 'fsck /dev/vda7 auto', 'mount ext4 /dev/vda7 /run/overlay'],
      options: ['rw'],
    },
  ];
  it.each(valid)('$name', async ({layout, calls, options}) => {
    const sys = image();
    const ctx = stepContext(sys, {layout, step: 'mount-overlay-base'});
    await mountOverlayBase(ctx);
    expect(sys.calls).toEqual(calls);
    expect(sys.mounts.map((m) => m.options)).toEqual([options]);
    expect(ctx.boot.mounts.map((m) => m.step)).toEqual(['mount-overlay-base']);
  });

  it('warns, naming what it hides, when a rootfs step wrote under /run/overlay before the mount; mounts anyway', async () => {
    const sys = new FakeSys({files: {'/run/overlay/fill': 'x', '/run/overlay/var/a': 'y'}});
    const ctx = stepContext(sys, {layout: 'OVERLAY=tmpfs:48M\n', step: 'mount-overlay-base'});
    await mountOverlayBase(ctx);
    expect(sys.calls).toEqual(['mount tmpfs tmpfs /run/overlay']);
    expect(ctx.boot.warnings).toEqual([
      {
        step: 'mount-overlay-base',
        item: '/run/overlay',
        message: expect.stringMatching(
          /^\/run\/overlay already holds fill, var before the overlay backing is mounted over it: .*hidden from the booted system/,
        ),
        hint: expect.stringMatching(/^Write under \/run\/overlay from the initramfs stage/),
      },
    ]);
  });

  it('does not warn about the content of a backing that is already mounted (a retry)', async () => {
    const sys = new FakeSys();
    await mountOverlayBase(stepContext(sys, {layout: '', step: 'mount-overlay-base'}));
    await sys.mkdirp('/run/overlay/var/.overlay/upper');
    const again = stepContext(sys, {layout: '', step: 'mount-overlay-base'});
    await mountOverlayBase(again);
    expect(again.boot.mounts.map((m) => m.result)).toEqual(['already']);
    expect(again.boot.warnings).toEqual([]);
  });

  it('names five entries and counts the rest', async () => {
    const files = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((n) => [`/run/overlay/f${n}`, '']));
    const ctx = stepContext(new FakeSys({files}), {layout: '', step: 'mount-overlay-base'});
    await mountOverlayBase(ctx);
    expect(ctx.boot.warnings[0]?.message).toMatch(
      /^\/run\/overlay already holds f1, f2, f3, f4, f5, and 2 more before/,
    );
  });

  it('fails when the overlay device never appears', async () => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {
      cmdline: 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img rd.immucore.volumetimeout=0',
      layout: 'OVERLAY=LABEL=COS_OVERLAY\n',
    });
    const err = await stepError(mountOverlayBase(ctx));
    expect(err.message).toBe('Device LABEL=COS_OVERLAY did not appear within 0 ms');
    expect(sys.mounts).toEqual([]);
  });
});

describe('mountRwPaths', () => {
  it('makes the upper and work dirs, then mounts each overlay, parents first', async () => {
    const sys = image('/etc', '/var', '/var/lib');
    const ctx = stepContext(sys, {layout: 'RW_PATHS="/var/lib /var /etc"\n', step: 'mount-rw-paths'});
    await mountRwPaths(ctx);
    expect(sys.calls).toEqual([
      'mount overlay overlay /sysroot/etc',
      'mount overlay overlay /sysroot/var',
      'mount overlay overlay /sysroot/var/lib',
    ]);
    expect(sys.mounts[0]?.options).toEqual([
      'lowerdir=/sysroot/etc',
      'upperdir=/run/overlay/etc/.overlay/upper',
      'workdir=/run/overlay/etc/.overlay/work',
    ]);
    expect(sys.dirs.has('/run/overlay/var-lib/.overlay/work')).toBe(true);
    expect(ctx.boot.warnings).toEqual([]);
  });

  it('skips an RW path the image lacks with a warning, and mounts no overlay there', async () => {
    const sys = image('/etc');
    const ctx = stepContext(sys, {layout: 'RW_PATHS="/etc /srv"\n', step: 'mount-rw-paths'});
    await mountRwPaths(ctx);
    expect(sys.calls).toEqual(['mount overlay overlay /sysroot/etc']);
    expect(ctx.boot.warnings).toEqual([
      {
        step: 'mount-rw-paths',
        item: '/srv',
        message: 'RW path /srv does not exist in the root image, so it cannot be overlaid',
        hint: 'Create /srv in the image, or remove it from RW_PATHS in the layout.',
      },
    ]);
    expect(ctx.boot.failures).toEqual([]);
    expect(sys.dirs.has('/run/overlay/srv/.overlay/upper')).toBe(false);
  });

  it('one overlay that fails fails alone; the step fails at the end naming it', async () => {
    const sys = image('/etc', '/home', '/var').fail('mount overlay overlay /sysroot/home', 'EINVAL');
    const ctx = stepContext(sys, {layout: 'RW_PATHS="/etc /home /var"\n', step: 'mount-rw-paths'});
    const err = await stepError(mountRwPaths(ctx));
    expect(err.message).toBe('1 of 3 failed: /sysroot/home');
    expect(err.hint).toMatch(/report\.json under "failures"/);
    expect(sys.calls).toEqual([
      'mount overlay overlay /sysroot/etc',
      'mount overlay overlay /sysroot/home',
      'mount overlay overlay /sysroot/var',
    ]);
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/etc', '/sysroot/var']);
    expect(ctx.boot.failures).toEqual([
      {step: 'mount-rw-paths', item: '/sysroot/home', message: expect.stringMatching(/EINVAL/)},
    ]);
  });
});

describe('mountRwPaths through symlinks of the image', () => {
  it('overlays the directory a link leads to, inside /sysroot, and records where it landed', async () => {
    const sys = image('/run', '/etc');
    await sys.mkdirp('/sysroot/var');
    await sys.symlink('/run', '/sysroot/var/run');
    await sys.symlink('../../../../tmp', '/sysroot/etc/out');
    const ctx = stepContext(sys, {layout: 'RW_PATHS="/etc /var/run /etc/out"\n', step: 'mount-rw-paths'});
    const err = await stepError(mountRwPaths(ctx));
    expect(err.message).toBe('1 of 3 failed: /sysroot/etc/out');
    expect(sys.calls.filter((c) => c.startsWith('mount '))).toEqual([
      'mount overlay overlay /sysroot/etc',
      'mount overlay overlay /sysroot/run',
    ]);
    expect(sys.mounts[1]?.options[0]).toBe('lowerdir=/sysroot/run');
    expect(ctx.boot.mounts.map((m) => [m.target, m.requested])).toEqual([
      ['/sysroot/etc', undefined],
      ['/sysroot/run', '/sysroot/var/run'],
    ]);
    expect(ctx.boot.failures).toEqual([
      expect.objectContaining({
        item: '/sysroot/etc/out',
        message:
          'RW path /etc/out leads out of the root: /etc/out is a symlink to ../../../../tmp, which climbs above /',
      }),
    ]);
  });
});
