import {describe, expect, it} from 'vitest';
import {
  decideSeed,
  noCounts,
  planStatePaths,
  type SeedCounts,
  type TreeEntry,
  type TreeListing,
} from './seed.ts';

// Builders: a file of `size` bytes written at second `sec`, a directory, a symlink.
const T0 = 1_700_000_000_000;
const f = (size: number, sec = 0, more: Partial<TreeEntry> = {}): TreeEntry => ({
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size,
  mtimeMs: T0 + sec * 1000,
  ...more,
});
const d = (mode = 0o755, more: Partial<TreeEntry> = {}): TreeEntry => ({
  type: 'dir',
  mode,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeMs: T0,
  ...more,
});
const l = (link: string): TreeEntry => ({
  type: 'link',
  mode: 0o777,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeMs: T0,
  link,
});
const tree = (entries: Record<string, TreeEntry>): TreeListing =>
  new Map(Object.entries({'': d(), ...entries}));
const counts = (c: Partial<SeedCounts>): SeedCounts => ({...noCounts(), ...c});

/** What the last seed copied, and what the state dir has when nobody touched it since. */
const SEEDED = {
  sshd_config: f(100),
  moduli: f(5000),
  'ssh_config.d': d(),
  'ssh_config.d/a.conf': f(10),
  link: l('moduli'),
};

describe('decideSeed', () => {
  const cases: Array<{
    name: string;
    image: Record<string, TreeEntry>;
    state: Record<string, TreeEntry>;
    manifest?: Record<string, TreeEntry>;
    copy?: string[];
    attributes?: string[];
    counts?: Partial<SeedCounts>;
    /** Entries whose manifest row differs from the image's: `image` or `old`. */
    recorded?: Record<string, 'image' | 'old' | 'absent'>;
  }> = [
    {name: 'nothing changed anywhere: nothing to do', image: SEEDED, state: SEEDED, manifest: SEEDED},
    {
      name: 'a file new in the image is added',
      image: {...SEEDED, new_key: f(1)},
      state: SEEDED,
      manifest: SEEDED,
      copy: ['new_key'],
      counts: {added: 1},
      recorded: {new_key: 'image'},
    },
    {
      name: 'a directory new in the image is copied whole, each entry counted',
      image: {
        ...SEEDED,
        'sshd_config.d': d(0o700),
        'sshd_config.d/x.conf': f(1),
        'sshd_config.d/y.conf': f(2),
      },
      state: SEEDED,
      manifest: SEEDED,
      copy: ['sshd_config.d'],
      counts: {added: 3},
      recorded: {'sshd_config.d/x.conf': 'image'},
    },
    {
      name: 'a file the image changed and the user did not is replaced',
      image: {...SEEDED, sshd_config: f(120, 50)},
      state: SEEDED,
      manifest: SEEDED,
      copy: ['sshd_config'],
      counts: {updated: 1},
      recorded: {sshd_config: 'image'},
    },
    {
      name: 'a rollback: the older image puts its older file back over the newer untouched one (#4304)',
      image: {...SEEDED, sshd_config: f(90, -3600)},
      state: SEEDED,
      manifest: SEEDED,
      copy: ['sshd_config'],
      counts: {updated: 1},
    },
    {
      name: 'a file the image changed and the user changed too is kept, and stays recorded as seeded',
      image: {...SEEDED, sshd_config: f(120, 50)},
      state: {...SEEDED, sshd_config: f(140, 90)},
      manifest: SEEDED,
      counts: {keptUserChanged: 1},
      recorded: {sshd_config: 'old'},
    },
    {
      name: 'a file only the user changed is left alone, not counted',
      image: SEEDED,
      state: {...SEEDED, sshd_config: f(140, 90)},
      manifest: SEEDED,
      recorded: {sshd_config: 'old'},
    },
    {
      name: 'a mode change by the user is a change too',
      image: {...SEEDED, moduli: f(6000, 9)},
      state: {...SEEDED, moduli: f(5000, 0, {mode: 0o600})},
      manifest: SEEDED,
      counts: {keptUserChanged: 1},
    },
    {
      name: 'a file the user deleted is not brought back, changed in the image or not',
      image: {...SEEDED, moduli: f(6000, 9)},
      state: {
        '': d(),
        sshd_config: f(100),
        'ssh_config.d': d(),
        'ssh_config.d/a.conf': f(10),
        link: l('moduli'),
      },
      manifest: SEEDED,
      counts: {notResurrected: 1},
      recorded: {moduli: 'old'},
    },
    {
      name: 'a directory the user deleted stays deleted, with what the image adds in it',
      image: {...SEEDED, 'ssh_config.d/b.conf': f(3)},
      state: {'': d(), sshd_config: f(100), moduli: f(5000), link: l('moduli')},
      manifest: SEEDED,
      counts: {notResurrected: 3},
      recorded: {'ssh_config.d/b.conf': 'absent'},
    },
    {
      name: 'a file the image dropped is left in place and remembered',
      image: {sshd_config: f(100), 'ssh_config.d': d(), 'ssh_config.d/a.conf': f(10), link: l('moduli')},
      state: SEEDED,
      manifest: SEEDED,
      counts: {notInImage: 1},
      recorded: {moduli: 'old'},
    },
    {
      name: 'a seed cut short: what it had moved in already is the image’s, adopted without a copy',
      image: {...SEEDED, sshd_config: f(120, 50), new_key: f(1)},
      state: {...SEEDED, sshd_config: f(120, 50), new_key: f(1)},
      manifest: SEEDED,
      recorded: {sshd_config: 'image', new_key: 'image'},
    },
    {
      name: 'a state dir on a filesystem that keeps whole seconds is still unchanged',
      image: {...SEEDED, sshd_config: f(120, 50)},
      state: {...SEEDED, sshd_config: f(100, 0, {mtimeMs: T0 + 0.4})},
      manifest: {...SEEDED, sshd_config: f(100, 0, {mtimeMs: T0 + 0.9})},
      copy: ['sshd_config'],
      counts: {updated: 1},
    },
    {
      name: 'a symlink the image points elsewhere is replaced; a mode-only change is a change',
      image: {...SEEDED, link: l('sshd_config'), moduli: f(5000, 0, {mode: 0o600})},
      state: SEEDED,
      manifest: SEEDED,
      copy: ['link', 'moduli'],
      counts: {updated: 2},
    },
    {
      name: 'unrecorded (an older immucore): equal adopted, missing added, different kept',
      image: {...SEEDED, new_key: f(1)},
      state: {...SEEDED, sshd_config: f(140, 90)},
      copy: ['new_key'],
      counts: {added: 1, keptUserChanged: 1},
      recorded: {sshd_config: 'absent', moduli: 'image'},
    },
    {
      name: 'unrecorded: a top directory left 0755 root:root by mkdir gets the image’s mode and owner',
      image: {'': d(0o700, {uid: 1000}), '.profile': f(3)},
      state: {'': d(0o755), '.profile': f(3)},
      attributes: [''],
      counts: {updated: 1},
    },
    {
      name: 'recorded: a top directory the user chmod-ed keeps its mode',
      image: {'': d(0o700)},
      state: {'': d(0o750)},
      manifest: {'': d(0o700)},
      recorded: {'': 'old'},
    },
    {
      name: 'a directory whose mode the image changed and the user did not gets the new mode',
      image: {...SEEDED, 'ssh_config.d': d(0o700)},
      state: SEEDED,
      manifest: SEEDED,
      attributes: ['ssh_config.d'],
      counts: {updated: 1},
    },
    {
      name: 'a file the image made a directory is kept, and nothing is copied below it',
      image: {...SEEDED, moduli: d(), 'moduli/a': f(1)},
      state: SEEDED,
      manifest: SEEDED,
      counts: {keptUserChanged: 1},
    },
    {
      name: 'a directory the user replaced with a symlink: nothing is written through it',
      image: {...SEEDED, 'ssh_config.d/b.conf': f(3)},
      state: {...SEEDED, 'ssh_config.d': l('/elsewhere'), 'ssh_config.d/a.conf': f(10)},
      manifest: SEEDED,
      counts: {keptUserChanged: 1},
    },
  ];
  it.each(cases)('$name', ({image, state, manifest, copy = [], attributes = [], recorded = {}, ...want}) => {
    const plan = decideSeed(tree(image), tree(state), manifest ? tree(manifest) : undefined);
    expect(plan.copy).toEqual(copy);
    expect(plan.attributes.map((a) => a.path)).toEqual(attributes);
    expect(plan.counts).toEqual(counts(want.counts ?? {}));
    const img = tree(image);
    for (const [p, which] of Object.entries(recorded)) {
      const expected = which === 'image' ? img.get(p) : which === 'old' ? manifest?.[p] : undefined;
      expect({p, row: plan.manifest.get(p)}).toEqual({p, row: expected});
    }
  });

  it('the manifest after a seed decides the next boot: nothing left to do', () => {
    const image = tree({...SEEDED, sshd_config: f(120, 50), new_key: f(1), 'n.d': d(), 'n.d/x': f(2)});
    const first = decideSeed(image, tree(SEEDED), tree(SEEDED));
    // The state dir once the copies are in: the image's entries where copied.
    const after = new Map(tree(SEEDED));
    for (const [p, e] of image) if (first.copy.some((c) => p === c || p.startsWith(`${c}/`))) after.set(p, e);
    const again = decideSeed(image, after, first.manifest);
    expect({copy: again.copy, counts: again.counts}).toEqual({copy: [], counts: noCounts()});
    expect(again.manifest).toEqual(first.manifest);
  });
});

describe('planStatePaths', () => {
  it('lists the image and the manifest paths once, parents first', () => {
    const paths = planStatePaths(tree({a: d(), 'a/b': f(1)}), tree({c: f(1), a: d()}));
    expect(paths).toEqual(['', 'a', 'a/b', 'c']);
  });
});
