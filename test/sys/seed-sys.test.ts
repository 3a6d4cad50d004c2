// What a persistent state seed asks of the machine, on real files and ext4 images: listings as
// lstat sees them, lookups that never follow a symlink, renames into place, atomic records, and the
// identity of a root image.
import fs from 'node:fs/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {withTempRoot} from '../helpers/temp-root.ts';
import {writeTree} from '../helpers/tree.ts';

const T = new Date('2024-05-06T07:08:09.500Z');

describe('listTree and statEntries', () => {
  const t = withTempRoot();

  it('lists every entry below a directory as lstat sees it, the top as ""', async () => {
    await writeTree(t.path('/sysroot/etc'), {
      '': {dir: true, mode: 0o700},
      'ssh/sshd_config': {content: 'Port 22\n', mode: 0o600, uid: 3, gid: 4, mtime: T},
      'ssh/link': {symlink: '/etc/elsewhere'},
      fifo: {fifo: true},
    });
    const listing = await t.sys.listTree('/sysroot/etc');
    expect([...(listing?.keys() ?? [])].sort()).toEqual(['', 'fifo', 'ssh', 'ssh/link', 'ssh/sshd_config']);
    expect(listing?.get('')).toMatchObject({type: 'dir', mode: 0o700});
    expect(listing?.get('ssh/sshd_config')).toEqual({
      type: 'file',
      mode: 0o600,
      uid: 3,
      gid: 4,
      size: 8,
      mtimeMs: T.getTime(),
    });
    expect(listing?.get('ssh/link')).toMatchObject({type: 'link', link: '/etc/elsewhere', size: 0});
    expect(listing?.get('fifo')?.type).toBe('other');
    expect(await t.sys.listTree('/sysroot/missing')).toBeUndefined();
  });

  it('looks up state entries only below real directories: a symlinked directory is not followed', async () => {
    await writeTree(t.path('/elsewhere'), {'a.conf': 'outside'});
    await writeTree(t.path('/state/etc-ssh.bind'), {
      sshd_config: 'mine',
      'conf.d': {symlink: t.path('/elsewhere')},
    });
    const got = await t.sys.statEntries('/state/etc-ssh.bind', [
      '',
      'sshd_config',
      'conf.d',
      'conf.d/a.conf',
      'gone',
      'gone/x',
    ]);
    expect([...got.keys()].sort()).toEqual(['', 'conf.d', 'sshd_config']);
    expect(got.get('conf.d')?.type).toBe('link');
  });
});

describe('rename, removeScratch, setAttributes, atomic writeText', () => {
  const t = withTempRoot();

  it('moves a staged file over the state copy, and sets a directory’s mode and owner', async () => {
    await writeTree(t.path('/'), {
      'staging/a/f': 'new',
      'state/a/f': 'old',
      'state/d': {dir: true, mode: 0o755},
    });
    await t.sys.rename('/staging/a/f', '/state/a/f');
    expect(await fs.readFile(t.path('/state/a/f'), 'utf8')).toBe('new');
    await t.sys.setAttributes('/state/d', {mode: 0o2750, uid: 12, gid: 34});
    const st = await fs.stat(t.path('/state/d'));
    expect({mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid}).toEqual({
      mode: '2750',
      uid: 12,
      gid: 34,
    });
    // True only when there was something to remove: a seed cut short left its staging dir.
    expect(await t.sys.removeScratch('/staging')).toBe(true);
    expect(await t.sys.removeScratch('/staging')).toBe(false);
    expect(await t.sys.exists('/staging')).toBe(false);
  });

  it('writes a record atomically: a symlink in its place is replaced, never followed', async () => {
    await writeTree(t.path('/'), {
      'outside/victim': 'keep',
      'state/.immucore/x.seed.json': {symlink: t.path('/outside/victim')},
    });
    await writeTree(t.path('/'), {
      'state/.immucore/x.seed.json.immucore-tmp': {symlink: t.path('/outside/victim')},
    });
    await t.sys.writeText('/state/.immucore/x.seed.json', '{}\n', {atomic: true});
    expect(await fs.readFile(t.path('/outside/victim'), 'utf8')).toBe('keep');
    expect((await fs.lstat(t.path('/state/.immucore/x.seed.json'))).isFile()).toBe(true);
    expect(await fs.readFile(t.path('/state/.immucore/x.seed.json'), 'utf8')).toBe('{}\n');
    expect(await fs.readdir(t.path('/state/.immucore'))).toEqual(['x.seed.json']);
    await t.sys.syncFs('/state');
  });

  it('writes several records with one flush: each replaced whole, no symlink followed, no temp file left', async () => {
    await writeTree(t.path('/'), {
      'outside/victim': 'keep',
      'state/.immucore/a.seed.json': 'old a\n',
      'state/.immucore/b.seed.json.immucore-tmp': {symlink: t.path('/outside/victim')},
    });
    await t.sys.writeTextsAtomic(
      [
        {path: '/state/.immucore/a.seed.json', text: 'new a\n'},
        {path: '/state/.immucore/b.seed.json', text: 'new b\n'},
      ],
      {flush: true},
    );
    expect(await fs.readFile(t.path('/outside/victim'), 'utf8')).toBe('keep');
    expect(await fs.readFile(t.path('/state/.immucore/a.seed.json'), 'utf8')).toBe('new a\n');
    expect(await fs.readFile(t.path('/state/.immucore/b.seed.json'), 'utf8')).toBe('new b\n');
    expect((await fs.stat(t.path('/state/.immucore/b.seed.json'))).mode & 0o7777).toBe(0o644);
    expect((await fs.readdir(t.path('/state/.immucore'))).sort()).toEqual(['a.seed.json', 'b.seed.json']);
  });

  it('a batch that cannot be written leaves every record as it was and no temp file', async () => {
    await writeTree(t.path('/'), {'state/.immucore/a.seed.json': 'old a\n', 'state/.immucore/notdir': 'x'});
    // The second file's temp name cannot be made (its parent is a file): the batch stops before
    // any rename, and the first one's temp file goes.
    await expect(
      t.sys.writeTextsAtomic(
        [
          {path: '/state/.immucore/a.seed.json', text: 'new a\n'},
          {path: '/state/.immucore/notdir/b.seed.json', text: 'new b\n'},
        ],
        {flush: true},
      ),
    ).rejects.toMatchObject({
      code: 'ENOTDIR',
      message: expect.stringContaining('/state/.immucore/notdir/b.seed.json'),
    });
    expect(await fs.readFile(t.path('/state/.immucore/a.seed.json'), 'utf8')).toBe('old a\n');
    expect((await fs.readdir(t.path('/state/.immucore'))).sort()).toEqual(['a.seed.json', 'notdir']);
  });
});

describe('fsIdentity', () => {
  const t = withTempRoot();

  it('tells images apart, and stays the same for one image however often it is mounted read-only', async () => {
    const a = await t.makeExt4Image({label: 'COS_ACTIVE', name: 'a.img', tree: {'etc/x': '1'}});
    const b = await t.makeExt4Image({label: 'COS_ACTIVE', name: 'b.img', tree: {'etc/x': '1'}});
    const copy = `${t.images}/a-copy.img`;
    await fs.copyFile(a, copy);
    const [da, db, dc] = [await t.attachLoop(a), await t.attachLoop(b), await t.attachLoop(copy)];
    const id = await t.sys.fsIdentity(da);
    expect(id).toMatch(/^ext4 UUID=[0-9a-f-]{36} sb=[0-9a-f]{16}$/);
    expect(await t.sys.fsIdentity(db)).not.toBe(id);
    // The same image, renamed (active → passive on an upgrade): the same identity.
    expect(await t.sys.fsIdentity(dc)).toBe(id);
    await t.sys.mkdirp('/mnt');
    await t.sys.mount({source: da, target: '/mnt', fstype: 'ext4', options: ['ro']});
    await t.sys.unmount('/mnt');
    expect(await t.sys.fsIdentity(da)).toBe(id);
  });

  it('changes when an image is written in place, even with its UUID kept', async () => {
    const img = await t.makeExt4Image({label: 'COS_ACTIVE', uuid: '3f1c6f0e-5d1a-4c55-9a8e-6b7e2f0c1a2b'});
    const before = await t.sys.fsIdentity(await t.attachLoop(img));
    await execa('debugfs', ['-w', '-R', 'write /etc/hostname hostname', img]);
    expect(await t.sys.fsIdentity(await t.attachLoop(img))).not.toBe(before);
  });
});
