// Copy-up of a persistent path into a staging dir: everything preserved, the directory itself too.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {findBun} from '../../scripts/compile.ts';
import {copySmallTree, SMALL_TREE} from '../../src/sys/copy-up.ts';
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

// The compiled binary (bun) copies a small tree of plain entries in-process (bun:ffi tells xattrs
// and sets times to the nanosecond); node has no FFI and always runs cp. Both must leave the same
// tree as `cp -a`, so the in-process copy runs here under bun and is compared with cp -a of the
// same tree, entry by entry: random trees (fast-check), then the cases it must leave to cp.
describe('copySmallTree', () => {
  const t = withTempRoot();
  const REPO = path.resolve(import.meta.dirname, '../..');

  /** copySmallTree(from, to), or with entries copySmallEntries, under bun: true/false, or the error. */
  async function underBun(from: string, to: string, entries?: string[]): Promise<boolean | string> {
    const script = `import {copySmallEntries, copySmallTree} from ${JSON.stringify(path.join(REPO, 'src/sys/copy-up.ts'))};
const [from, to, ...entries] = JSON.parse(process.argv.at(-1));
const copy = entries.length > 0 ? copySmallEntries(from, entries, to) : copySmallTree(from, to);
const out = await copy.catch((e) => 'error ' + e.code + ': ' + e.message);
process.stdout.write(JSON.stringify(out));`;
    const {stdout} = await execa(findBun(REPO), [
      '-e',
      script,
      JSON.stringify([from, to, ...(entries ?? [])]),
    ]);
    return JSON.parse(stdout);
  }

  /** Every entry below `dir`, as cp -a must keep it: kind, owner, mode, size, times in ns, content. */
  async function snapshot(dir: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const walk = async (rel: string) => {
      const p = rel ? path.join(dir, rel) : dir;
      const st = await fs.lstat(p, {bigint: true});
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other';
      out[rel] = {
        kind,
        mode: (st.mode & 0o7777n).toString(8),
        uid: st.uid,
        gid: st.gid,
        size: kind === 'dir' ? 0n : st.size,
        mtimeNs: st.mtimeNs,
        ...(kind === 'link' ? {link: await fs.readlink(p)} : {}),
        ...(kind === 'file' ? {content: await fs.readFile(p, 'latin1')} : {}),
        ...(kind === 'file' ? {nlink: st.nlink} : {}),
      };
      if (kind === 'dir')
        for (const name of (await fs.readdir(p)).sort()) await walk(rel ? `${rel}/${name}` : name);
    };
    await walk('');
    return out;
  }

  /** Set an entry's times (after 1970) to the nanosecond (touch -h: a symlink's own). */
  async function touchNs(p: string, ns: bigint): Promise<void> {
    const digits = `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
    await execa('touch', ['-h', '-d', `@${digits}`, p]);
  }

  const name = fc.stringMatching(/^[a-z][a-z0-9._-]{0,7}$/);
  const times = fc.oneof(
    fc.bigInt({min: 0n, max: 4_000_000_000n * 1_000_000_000n}),
    // A hair before a whole second, where a double's ~240 ns would round up to the next one.
    fc.bigInt({min: 1_000_000_000n, max: 2_000_000_000n}).map((s) => s * 1_000_000_000n - 1n),
  );
  const attrs = fc.record({
    mode: fc.integer({min: 0, max: 0o777}),
    uid: fc.integer({min: 0, max: 70_000}),
    gid: fc.integer({min: 0, max: 70_000}),
    ns: times,
  });
  const entry = fc.oneof(
    fc.record({kind: fc.constant('file' as const), content: fc.string({maxLength: 3000}), attrs}),
    fc.record({kind: fc.constant('dir' as const), attrs}),
    fc.record({kind: fc.constant('link' as const), target: fc.oneof(name, fc.constant('/nowhere')), attrs}),
  );
  // Up to 24 entries at paths up to three deep; a path under a file or link is dropped.
  const trees = fc.record({
    top: attrs,
    entries: fc.uniqueArray(fc.tuple(fc.array(name, {minLength: 1, maxLength: 3}), entry), {
      maxLength: 24,
      selector: ([parts]) => parts.join('/'),
    }),
  });

  type RandomTree = typeof trees extends fc.Arbitrary<infer T> ? T : never;

  /** Write a generated tree at `from`, attributes and times included; its paths (`''` the top). */
  async function writeRandomTree(from: string, {top, entries}: RandomTree): Promise<string[]> {
    await fs.mkdir(from, {recursive: true});
    const made = new Map<string, 'file' | 'dir' | 'link'>([['', 'dir']]);
    const placed: Array<[string, typeof top]> = [['', top]];
    for (const [parts, e] of entries) {
      const rel = parts.join('/');
      const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
      if (made.has(rel) || parents.some((p) => made.has(p) && made.get(p) !== 'dir')) continue;
      for (const p of parents.filter((p) => !made.has(p))) {
        await fs.mkdir(path.join(from, p));
        made.set(p, 'dir');
      }
      const p = path.join(from, rel);
      if (e.kind === 'dir') await fs.mkdir(p);
      else if (e.kind === 'link') await fs.symlink(e.target, p);
      else await fs.writeFile(p, e.content);
      made.set(rel, e.kind);
      placed.push([rel, e.attrs]);
    }
    for (const [rel, a] of placed) {
      const p = rel ? path.join(from, rel) : from;
      await fs.lchown(p, a.uid, a.gid);
      if (made.get(rel) !== 'link') await fs.chmod(p, a.mode);
    }
    // Times last, deepest first, so making an entry does not move its parent's.
    for (const [rel, a] of placed.sort(([x], [y]) => y.length - x.length)) {
      await touchNs(rel ? path.join(from, rel) : from, a.ns);
    }
    return [...made.keys()];
  }

  it('copies random small trees in-process under bun exactly as cp -a does', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(trees, async (tree) => {
        const base = t.path(`/case${n++}`);
        const from = path.join(base, 'image/etc/x');
        await writeRandomTree(from, tree);
        const ours = path.join(base, 'state/.immucore/x.bind.staging');
        await fs.mkdir(path.dirname(ours), {recursive: true});
        expect(await underBun(from, ours)).toBe(true);
        await execa('cp', ['-a', '-T', '--', from, path.join(base, 'by-cp')]);
        expect(await snapshot(ours)).toEqual(await snapshot(path.join(base, 'by-cp')));
        await fs.rm(base, {recursive: true});
      }),
      {numRuns: 25},
    );
  });

  it('copies random entries of random trees, parents recreated, exactly as cp -a --parents does', async () => {
    let n = 0;
    const picks = fc.array(fc.nat(), {minLength: 1, maxLength: 4});
    await fc.assert(
      fc.asyncProperty(trees, picks, async (tree, pick) => {
        const base = t.path(`/entries${n++}`);
        const from = path.join(base, 'image/etc/x');
        const paths = (await writeRandomTree(from, tree)).filter((p) => p !== '');
        fc.pre(paths.length > 0);
        // Top-most entries, as a seed names them (cp refuses an entry below another one).
        const picked = [...new Set(pick.map((i) => paths[i % paths.length] as string))];
        const entries = picked.filter((p) => !picked.some((q) => p.startsWith(`${q}/`)));
        const [ours, byCp] = [path.join(base, 'staging'), path.join(base, 'by-cp')];
        await Promise.all([fs.mkdir(ours), fs.mkdir(byCp)]);
        expect(await underBun(from, ours, entries)).toBe(true);
        await execa('cp', ['-a', '--parents', '-t', byCp, '--', ...entries], {cwd: from});
        // The top is the test's own directory on both sides; what is below it is the copy.
        const below = async (dir: string) => {
          const {'': _, ...rest} = await snapshot(dir);
          return rest;
        };
        expect(await below(ours)).toEqual(await below(byCp));
        await fs.rm(base, {recursive: true});
      }),
      {numRuns: 25},
    );
  });

  it('leaves entries to cp when the target directory is not empty, and copies nothing', async () => {
    await writeTree(t.path('/sysroot/etc/x'), {a: 'a', b: 'b'});
    await writeTree(t.path('/staging'), {other: 'o'});
    expect(await underBun(t.path('/sysroot/etc/x'), t.path('/staging'), ['a'])).toBe(false);
    expect(await fs.readdir(t.path('/staging'))).toEqual(['other']);
  });

  it('keeps a time a nanosecond before a whole second, where a double would round up', async () => {
    await writeTree(t.path('/sysroot/etc/x'), {'': {dir: true}, edge: 'e'});
    await touchNs(t.path('/sysroot/etc/x/edge'), 1_796_100_223_999_999_999n);
    await fs.mkdir(t.path('/state'));
    expect(await underBun(t.path('/sysroot/etc/x'), t.path('/state/x.bind'))).toBe(true);
    const copied = await fs.lstat(t.path('/state/x.bind/edge'), {bigint: true});
    expect(copied.mtimeNs).toBe(1_796_100_223_999_999_999n);
  });

  it('copies a tree of SMALL_TREE.entries entries, the directory itself counted, in-process', async () => {
    const files = Array.from({length: SMALL_TREE.entries - 1}, (_, i) => [`f${i}`, 'x']);
    await writeTree(t.path('/sysroot/etc/x'), Object.fromEntries(files));
    await fs.mkdir(t.path('/state'));
    expect(await underBun(t.path('/sysroot/etc/x'), t.path('/state/x.bind'))).toBe(true);
    expect((await fs.readdir(t.path('/state/x.bind'))).length).toBe(SMALL_TREE.entries - 1);
  });

  it.each([
    {
      name: 'more entries than SMALL_TREE',
      tree: Object.fromEntries(Array.from({length: SMALL_TREE.entries}, (_, i) => [`f${i}`, 'x'])),
    },
    {name: 'more bytes than SMALL_TREE', tree: {big: 'x'.repeat(SMALL_TREE.bytes + 1)} as Tree},
    {name: 'an xattr two levels down', tree: {'a/b': {content: 'x', xattrs: {'user.k': 'v'}}} as Tree},
    {name: 'an xattr on the directory itself', tree: {'': {dir: true, xattrs: {'user.k': 'v'}}} as Tree},
    {name: 'a fifo', tree: {'a/p': {fifo: true}} as Tree},
    {name: 'a hard link', tree: {one: 'same', two: {hardlink: 'one'}} as Tree},
    {name: 'a setgid directory (bun chmod drops the bit)', tree: {'': {dir: true, mode: 0o2755}} as Tree},
    {name: 'a setuid file', tree: {'ssh-keysign': {content: 'x', mode: 0o4711}} as Tree},
    // bun's bigint lstat gives 0n nanoseconds before 1970: cp keeps such a time, the copy would not.
    {name: 'a time before 1970', tree: {old: {content: 'x', mtime: new Date(-86_400_001)}} as Tree},
  ])('leaves $name to cp: nothing created', async ({tree}) => {
    await writeTree(t.path('/sysroot/etc/x'), tree);
    await fs.mkdir(t.path('/state'));
    expect(await underBun(t.path('/sysroot/etc/x'), t.path('/state/x.bind'))).toBe(false);
    await expect(fs.lstat(t.path('/state/x.bind'))).rejects.toMatchObject({code: 'ENOENT'});
  });

  it('fails a full volume with ENOSPC and leaves nothing behind', async () => {
    await writeTree(t.path('/sysroot/etc/x'), {big: 'x'.repeat(512 * 1024)});
    await fs.mkdir(t.path('/small'));
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', t.path('/small')]);
    try {
      const out = await underBun(t.path('/sysroot/etc/x'), t.path('/small/x.bind'));
      expect(out).toMatch(/^error ENOSPC: Cannot copy .*\/sysroot\/etc\/x to .*\/small\/x\.bind/);
      expect(await fs.readdir(t.path('/small'))).toEqual([]);
    } finally {
      await execa('umount', [t.path('/small')]);
    }
  });

  it('declines under node, where there is no bun:ffi to tell xattrs', async () => {
    await writeTree(t.path('/sysroot/etc/empty'), {'': {dir: true}});
    expect(await copySmallTree(t.path('/sysroot/etc/empty'), t.path('/to'))).toBe(false);
  });
});
