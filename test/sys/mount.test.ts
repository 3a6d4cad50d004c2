// Real mounts inside the private namespace: ext4 on a loop device, tmpfs, overlay, bind.
import fs from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {SysError} from '../../src/sys/sys.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

describe('mount and unmount', () => {
  const t = withTempRoot();

  it('mounts an ext4 loop device, then counts the same mount as already done', async () => {
    const dev = await t.attachLoop(
      await t.makeExt4Image({label: 'COS_ACTIVE', tree: {'etc/marker': 'active'}}),
    );
    await t.sys.mkdirp('/sysroot');
    const spec = {source: dev, target: '/sysroot', fstype: 'ext4', options: ['ro']};
    expect(await t.sys.mount(spec)).toBe('mounted');
    expect(await t.sys.readText('/sysroot/etc/marker')).toBe('active');
    expect(await t.sys.mount(spec)).toBe('already');
    const mounts = (await t.sys.listMounts()).filter((m) => m.target === '/sysroot');
    expect(mounts).toHaveLength(1);
    expect(mounts[0]).toMatchObject({fstype: 'ext4', source: dev});
    expect(mounts[0]?.options).toContain('ro');
    expect(await t.sys.unmount('/sysroot')).toBe('unmounted');
    expect(await t.sys.unmount('/sysroot')).toBe('not-mounted');
    expect(await t.sys.readText('/sysroot/etc/marker')).toBeUndefined();
  });

  it('mounts by LABEL with the type read from the device', async () => {
    const dev = await t.attachLoop(await t.makeExt4Image({label: 'COS_OEM', tree: {'90_custom.yaml': 'x'}}));
    await t.sys.mkdirp('/oem');
    const spec = {source: 'LABEL=COS_OEM', target: '/oem', fstype: 'auto', options: []};
    expect(await t.sys.mount(spec)).toBe('mounted');
    expect(await t.sys.readdir('/oem')).toContain('90_custom.yaml');
    expect(await t.sys.mount(spec)).toBe('already');
    expect((await t.sys.listMounts()).find((m) => m.target === '/oem')).toMatchObject({
      source: dev,
      fstype: 'ext4',
    });
  });

  it('a LABEL no device carries is an ENOENT error', async () => {
    await t.sys.mkdirp('/oem');
    const err = await t.sys
      .mount({source: 'LABEL=COS_NONE', target: '/oem', fstype: 'auto', options: []})
      .catch((e) => e);
    expect(err).toMatchObject({code: 'ENOENT'});
    expect(err.message).toMatch(/LABEL=COS_NONE/);
  });

  it('mounts tmpfs, and the same tmpfs again is already done', async () => {
    await t.sys.mkdirp('/run/overlay');
    const spec = {source: 'tmpfs', target: '/run/overlay', fstype: 'tmpfs', options: ['size=16M']};
    expect(await t.sys.mount(spec)).toBe('mounted');
    expect(await t.sys.mount(spec)).toBe('already');
    expect((await t.sys.listMounts()).find((m) => m.target === '/run/overlay')).toMatchObject({
      fstype: 'tmpfs',
      source: 'tmpfs',
    });
  });

  it('mounts an overlay over a read-only root: writes land in the upper dir', async () => {
    const dev = await t.attachLoop(
      await t.makeExt4Image({label: 'COS_ACTIVE', tree: {'etc/hostname': 'image'}}),
    );
    await t.sys.mkdirp('/sysroot', '/run/overlay');
    await t.sys.mount({source: dev, target: '/sysroot', fstype: 'ext4', options: ['ro']});
    await t.sys.mount({source: 'tmpfs', target: '/run/overlay', fstype: 'tmpfs', options: ['size=16M']});
    await t.sys.mkdirp('/run/overlay/etc/.overlay/upper', '/run/overlay/etc/.overlay/work');
    const spec = {
      source: 'overlay',
      target: '/sysroot/etc',
      fstype: 'overlay',
      options: [
        'lowerdir=/sysroot/etc',
        'upperdir=/run/overlay/etc/.overlay/upper',
        'workdir=/run/overlay/etc/.overlay/work',
      ],
    };
    expect(await t.sys.mount(spec)).toBe('mounted');
    expect(await t.sys.mount(spec)).toBe('already');
    await t.sys.writeText('/sysroot/etc/new', 'written');
    expect(await t.sys.readText('/run/overlay/etc/.overlay/upper/new')).toBe('written');
    expect(await t.sys.readText('/sysroot/etc/hostname')).toBe('image');
    const top = (await t.sys.listMounts()).filter((m) => m.target === '/sysroot/etc');
    expect(top[0]?.superOptions).toContain(`upperdir=${t.path('/run/overlay/etc/.overlay/upper')}`);
  });

  it('binds a directory, and the same bind again is already done', async () => {
    await t.sys.mkdirp('/state/etc-ssh.bind', '/sysroot/etc/ssh', '/other');
    await t.sys.writeText('/state/etc-ssh.bind/key', 'k');
    const spec = {
      source: '/state/etc-ssh.bind',
      target: '/sysroot/etc/ssh',
      fstype: 'none',
      options: ['bind'],
    };
    expect(await t.sys.mount(spec)).toBe('mounted');
    expect(await t.sys.readText('/sysroot/etc/ssh/key')).toBe('k');
    expect(await t.sys.mount(spec)).toBe('already');
    // Another source onto the same target is a new mount, not "already".
    expect(await t.sys.mount({...spec, source: '/other'})).toBe('mounted');
    expect(await t.sys.readText('/sysroot/etc/ssh/key')).toBeUndefined();
  });

  it('a failed mount is a SysError with the argv, exit code and stderr', async () => {
    await t.sys.mkdirp('/sysroot/etc');
    const spec = {
      source: 'overlay',
      target: '/sysroot/etc',
      fstype: 'overlay',
      options: ['lowerdir=/missing'],
    };
    const err = (await t.sys.mount(spec).catch((e: unknown) => e)) as SysError;
    expect(err).toBeInstanceOf(SysError);
    expect(err.code).toBe('EEXIT');
    expect(err.exitCode).toBe(32);
    expect(err.argv).toEqual([
      'mount',
      '-t',
      'overlay',
      '-o',
      `lowerdir=${t.path('/missing')}`,
      'overlay',
      t.path('/sysroot/etc'),
    ]);
    expect(err.message).toMatch(
      new RegExp(
        `^mount -t overlay -o lowerdir=${t.path('/missing')} overlay ${t.path('/sysroot/etc')} exited 32: .+`,
      ),
    );
  });

  it('lists only mounts under the root, with root-relative targets', async () => {
    await t.sys.mkdirp('/a');
    await t.sys.mount({source: 'tmpfs', target: '/a', fstype: 'tmpfs', options: []});
    const mounts = await t.sys.listMounts();
    expect(mounts.map((m) => m.target)).toEqual(['/a']);
    await fs.access(t.path('/a'));
  });
});
