// Copy-up of a persistent path into a staging dir: everything preserved, the directory itself too.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {findBun} from '../../scripts/compile.ts';
import {copyEmptyDir} from '../../src/sys/copy-up.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import type {Tree} from '../helpers/tree.ts';
import {writeTree} from '../helpers/tree.ts';

const OLD = new Date('2020-01-02T03:04:05Z');

const IMAGE: Tree = {
  '': {dir: true, mode: 0o755, mtime: OLD},
  hostname: {content: 'image', mtime: OLD},
  shadow: {content: 'secret', mode: 0o640, uid: 0, gid: 42},
  'app/config': {
    content: 'c',
    mode: 0o741,
    uid: 1234,
    gid: 2345,
    mtime: OLD,
    xattrs: {'user.origin': 'image'},
  },
  app: {dir: true, mode: 0o750, uid: 1234, gid: 2345, mtime: OLD, xattrs: {'user.dir': 'yes'}},
  'app/link': {symlink: '../hostname'},
  'app/dangling': {symlink: '/nowhere'},
  'app/fifo': {fifo: true, mode: 0o600},
  'app/hard1': {content: 'same inode'},
  'app/hard2': {hardlink: 'app/hard1'},
  'ssh/ssh_config': 'Host *',
  ssh: {dir: true, mode: 0o755},
};

async function getfattr(p: string, name: string): Promise<string> {
  const {stdout} = await execa('getfattr', ['--only-values', '-h', '-n', name, p]);
  return stdout;
}

describe('copyTree', () => {
  const t = withTempRoot();

  it('copies a directory whole into a missing one: the directory itself and everything in it', async () => {
    await writeTree(t.path('/sysroot/etc'), {
      ...IMAGE,
      '': {dir: true, mode: 0o700, uid: 5, xattrs: {'user.top': 'y'}},
    });
    await t.sys.copyTree('/sysroot/etc', '/state/.immucore/etc.bind.staging');
    const src = (p: string) => t.path(`/sysroot/etc/${p}`);
    const dst = (p: string) => t.path(`/state/.immucore/etc.bind.staging/${p}`);
    for (const p of ['', 'hostname', 'shadow', 'app', 'app/config', 'app/fifo', 'app/link']) {
      const [a, b] = await Promise.all([fs.lstat(src(p)), fs.lstat(dst(p))]);
      expect({p, mode: b.mode, uid: b.uid, gid: b.gid}).toEqual({p, mode: a.mode, uid: a.uid, gid: a.gid});
      if (!a.isSymbolicLink()) expect({p, mtime: b.mtimeMs}).toEqual({p, mtime: a.mtimeMs});
    }
    expect((await fs.stat(dst(''))).mode & 0o7777).toBe(0o700);
    expect(await getfattr(dst(''), 'user.top')).toBe('y');
    expect((await fs.stat(dst('app/config'))).mode & 0o7777).toBe(0o741);
    expect((await fs.stat(dst('app/config'))).uid).toBe(1234);
    expect((await fs.lstat(dst('app/fifo'))).isFIFO()).toBe(true);
    expect(await fs.readlink(dst('app/link'))).toBe('../hostname');
    expect(await fs.readlink(dst('app/dangling'))).toBe('/nowhere');
    expect((await fs.stat(dst('app/hard1'))).ino).toBe((await fs.stat(dst('app/hard2'))).ino);
    expect(await getfattr(dst('app/config'), 'user.origin')).toBe('image');
    expect(await getfattr(dst('app'), 'user.dir')).toBe('yes');
  });

  it('copies from a read-only ext4 root image, xattrs included', async () => {
    const dev = await t.attachLoop(
      await t.makeExt4Image({
        label: 'COS_ACTIVE',
        tree: {'var/lib/x/data': {content: 'd', uid: 7, xattrs: {'user.k': 'v'}}},
      }),
    );
    await t.sys.mkdirp('/sysroot');
    await t.sys.mount({source: dev, target: '/sysroot', fstype: 'ext4', options: ['ro']});
    await t.sys.copyTree('/sysroot/var/lib', '/sysroot-state/var-lib.bind');
    const copied = t.path('/sysroot-state/var-lib.bind/x/data');
    expect((await fs.stat(copied)).uid).toBe(7);
    expect(await getfattr(copied, 'user.k')).toBe('v');
  });

  it('refuses a source that is not a directory, and a target that exists', async () => {
    await writeTree(t.path('/'), {'sysroot/etc/motd': 'x', 'state/file': 'y'});
    await expect(t.sys.copyTree('/sysroot/nope', '/state/a')).rejects.toMatchObject({code: 'ENOENT'});
    await expect(t.sys.copyTree('/sysroot/etc/motd', '/state/a')).rejects.toMatchObject({code: 'ENOTDIR'});
    await expect(t.sys.copyTree('/sysroot/etc', '/state/file')).rejects.toMatchObject({code: 'EEXIST'});
  });
});

describe('copyEntries', () => {
  const t = withTempRoot();

  it('copies the named entries whole, parents recreated with their attributes, nothing else', async () => {
    await writeTree(t.path('/sysroot/etc'), {...IMAGE, 'ssh/-odd name': 'odd'});
    await t.sys.mkdirp('/staging');
    await t.sys.copyEntries('/sysroot/etc', ['app', 'ssh/-odd name', 'shadow'], '/staging');
    expect((await fs.readdir(t.path('/staging'))).sort()).toEqual(['app', 'shadow', 'ssh']);
    expect(await fs.readdir(t.path('/staging/ssh'))).toEqual(['-odd name']);
    expect((await fs.stat(t.path('/staging/app/config'))).uid).toBe(1234);
    expect((await fs.stat(t.path('/staging/shadow'))).gid).toBe(42);
    expect(await getfattr(t.path('/staging/app'), 'user.dir')).toBe('yes');
  });
});

// The compiled binary (bun) copies an empty directory without xattrs in-process (libc.ts's
// llistxattr says it has none); node has no FFI and always runs cp. Both must leave the same
// directory as `cp -a`, so the in-process copy is run here under bun, beside cp -a of the same dir.
describe('copyEmptyDir', () => {
  const t = withTempRoot();
  const REPO = path.resolve(import.meta.dirname, '../..');

  async function underBun(from: string, to: string): Promise<boolean> {
    const script = `import {copyEmptyDir} from ${JSON.stringify(path.join(REPO, 'src/sys/copy-up.ts'))};
process.stdout.write(String(await copyEmptyDir(...process.argv.slice(-2))));`;
    const {stdout} = await execa(findBun(REPO), ['-e', script, from, to]);
    return stdout === 'true';
  }

  it('copies an empty directory in-process under bun: owner, mode and mtime as cp -a keeps them', async () => {
    await writeTree(t.path('/sysroot/etc'), {cni: {dir: true, mode: 0o750, uid: 12, gid: 34, mtime: OLD}});
    await fs.mkdir(t.path('/state'));
    expect(await underBun(t.path('/sysroot/etc/cni'), t.path('/state/etc-cni.bind'))).toBe(true);
    await execa('cp', ['-a', '-T', t.path('/sysroot/etc/cni'), t.path('/state/by-cp')]);
    const [ours, cp] = await Promise.all([
      fs.stat(t.path('/state/etc-cni.bind')),
      fs.stat(t.path('/state/by-cp')),
    ]);
    expect({mode: ours.mode, uid: ours.uid, gid: ours.gid, mtime: Math.floor(ours.mtimeMs)}).toEqual({
      mode: cp.mode,
      uid: cp.uid,
      gid: cp.gid,
      mtime: Math.floor(cp.mtimeMs),
    });
    expect(ours.mode & 0o7777).toBe(0o750);
    expect(await fs.readdir(t.path('/state/etc-cni.bind'))).toEqual([]);
  });

  it.each([
    {name: 'a directory with entries', tree: {'': {dir: true}, file: 'x'} as Tree},
    {name: 'a directory with an xattr', tree: {'': {dir: true, xattrs: {'user.k': 'v'}}} as Tree},
    {name: 'a setgid directory (bun chmod drops the bit)', tree: {'': {dir: true, mode: 0o2755}} as Tree},
  ])('leaves $name to cp: nothing created', async ({tree}) => {
    await writeTree(t.path('/sysroot/etc/x'), tree);
    await fs.mkdir(t.path('/state'));
    expect(await underBun(t.path('/sysroot/etc/x'), t.path('/state/x.bind'))).toBe(false);
    await expect(fs.lstat(t.path('/state/x.bind'))).rejects.toMatchObject({code: 'ENOENT'});
  });

  it('declines under node, where there is no bun:ffi to tell xattrs', async () => {
    await writeTree(t.path('/sysroot/etc/empty'), {'': {dir: true}});
    expect(await copyEmptyDir(t.path('/sysroot/etc/empty'), t.path('/to'))).toBe(false);
  });
});
