// The compiled binary (bun) asks statx whether a mount target is a mount root before it reads the
// mount table (src/sys/libc.ts isMountRoot, src/sys/mount.ts); node has no FFI and always reads
// the table (test/sys/mount.test.ts). So both run here under bun, on real mounts in the namespace.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {findBun} from '../../scripts/compile.ts';
import {parseMountinfo, topMountAt} from '../../src/sys/mountinfo.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const src = (file: string) => JSON.stringify(path.join(REPO, 'src/sys', file));

/** Run `body` under bun with `root` and `isMountRoot`, `LinuxSys` in scope; its stdout as JSON. */
async function underBun(root: string, body: string): Promise<unknown> {
  const script = `import {isMountRoot} from ${src('libc.ts')};
import {LinuxSys} from ${src('linux.ts')};
const root = ${JSON.stringify(root)};
const out = [];
${body}
console.log(JSON.stringify(out));`;
  const {stdout} = await execa(findBun(REPO), ['-e', script]);
  return JSON.parse(stdout);
}

describe('isMountRoot (statx, bun)', () => {
  const t = withTempRoot();

  it('tells each kind of target as the mount table does', async () => {
    const dev = await t.attachLoop(await t.makeExt4Image({label: 'COS_OEM', tree: {'sub/x': 'x'}}));
    await t.sys.mkdirp('/plain/dir', '/tmpfs', '/self', '/ext4', '/lower/etc', '/upper', '/work', '/over');
    await t.sys.mount({source: 'tmpfs', target: '/tmpfs', fstype: 'tmpfs', options: []});
    await t.sys.mkdirp('/tmpfs/inside', '/tmpfs/hidden');
    await t.sys.mount({source: '/self', target: '/self', fstype: 'none', options: ['bind']});
    await t.sys.mount({source: dev, target: '/ext4', fstype: 'ext4', options: ['ro']});
    await t.sys.mount({
      source: 'overlay',
      target: '/over',
      fstype: 'overlay',
      options: ['lowerdir=/lower', 'upperdir=/upper', 'workdir=/work'],
    });
    // A mount on /tmpfs/hidden, then a new tmpfs over /tmpfs: the first is in the table but no
    // longer reachable at its path, where the new tmpfs has a plain directory.
    await t.sys.mount({source: 'tmpfs', target: '/tmpfs/hidden', fstype: 'tmpfs', options: []});
    await execa('mount', ['-t', 'tmpfs', 'cover', t.path('/tmpfs')]);
    await t.sys.mkdirp('/tmpfs/hidden');
    await execa('ln', ['-s', t.path('/ext4'), t.path('/link-to-ext4')]);
    const cases: Array<[string, boolean | null]> = [
      ['/plain/dir', false], // same fs as its parent
      ['/plain', false],
      ['/tmpfs', true],
      ['/tmpfs/hidden', false],
      ['/self', true], // a bind of a directory onto itself: same fs, same inode as before
      ['/ext4', true], // a different fs than its parent
      ['/ext4/sub', false],
      ['/over', true],
      ['/link-to-ext4', true], // followed, as mount(2) follows it
      ['/missing', null], // statx fails: not told, the caller reads the table
    ];
    const got = await underBun(
      t.root,
      `for (const p of ${JSON.stringify(cases.map(([p]) => p))}) out.push((await isMountRoot(root + p)) ?? null);`,
    );
    expect(got).toEqual(cases.map(([, want]) => want));
    // The same answers as the mount table, where it names the path itself.
    const real = parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'));
    for (const p of ['/tmpfs', '/self', '/ext4', '/over']) expect(topMountAt(real, t.path(p))).toBeDefined();
    for (const p of ['/plain', '/plain/dir', '/ext4/sub'])
      expect(topMountAt(real, t.path(p))).toBeUndefined();
    // The hidden mount is still listed at its path: reading the table alone would say it is there.
    expect(topMountAt(real, t.path('/tmpfs/hidden'))).toBeDefined();
  });
});

describe('mount under bun: a target that holds the source already is done, any other is mounted', () => {
  const t = withTempRoot();

  it('mounts tmpfs, ext4, an overlay, a bind onto itself and a bind, each then already done; another source is mounted', async () => {
    const dev = await t.attachLoop(
      await t.makeExt4Image({label: 'COS_ACTIVE', tree: {'etc/hostname': 'img'}}),
    );
    await t.sys.mkdirp('/run', '/sysroot', '/state/ssh', '/other', '/self');
    await t.sys.writeText('/state/ssh/key', 'k');
    const got = await underBun(
      t.root,
      `const sys = new LinuxSys({root});
const specs = [
  {source: 'tmpfs', target: '/run', fstype: 'tmpfs', options: ['size=16M']},
  {source: ${JSON.stringify(dev)}, target: '/sysroot', fstype: 'ext4', options: ['ro']},
  {source: 'overlay', target: '/sysroot/etc', fstype: 'overlay', options: ['lowerdir=/sysroot/etc', 'upperdir=/run/upper', 'workdir=/run/work']},
  {source: '/self', target: '/self', fstype: 'none', options: ['bind']},
  {source: '/state/ssh', target: '/sysroot/etc/ssh', fstype: 'none', options: ['bind']},
];
for (const spec of specs) {
  if (spec.fstype === 'overlay') await sys.mkdirp('/run/upper', '/run/work');
  if (spec.target === '/sysroot/etc/ssh') await sys.mkdirp(spec.target);
  out.push([spec.target, await sys.mount(spec), await sys.mount(spec)]);
}
// A tmpfs again on /run is "already"; the same target with another bind source is a new mount.
out.push(['/run', await sys.mount(specs[0])]);
out.push(['/sysroot/etc/ssh', await sys.mount({...specs[4], source: '/other'})]);
out.push(['key', await sys.readText('/sysroot/etc/ssh/key') ?? null]);`,
    );
    expect(got).toEqual([
      ['/run', 'mounted', 'already'],
      ['/sysroot', 'mounted', 'already'],
      ['/sysroot/etc', 'mounted', 'already'],
      ['/self', 'mounted', 'already'],
      ['/sysroot/etc/ssh', 'mounted', 'already'],
      ['/run', 'already'],
      ['/sysroot/etc/ssh', 'mounted'],
      ['key', null],
    ]);
    const mounts = await t.sys.listMounts();
    expect(mounts.filter((m) => m.target === '/run')).toHaveLength(1);
    expect(mounts.filter((m) => m.target === '/sysroot/etc')).toHaveLength(1);
    expect(mounts.filter((m) => m.target === '/sysroot/etc/ssh')).toHaveLength(2);
  });
});
