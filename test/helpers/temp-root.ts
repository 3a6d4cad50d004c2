// One temp dir per test: images, and the root a LinuxSys works in. After each test, even a failed
// one, everything mounted under it is unmounted (deepest first) and every loop device backed by a
// file in it is detached, including those immucore itself attached.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, beforeAll, beforeEach} from 'vitest';
import {loopsBackedBy} from '../../src/sys/devices.ts';
import {LinuxSys} from '../../src/sys/linux.ts';
import {listLoops} from '../../src/sys/loop.ts';
import {parseMountinfo} from '../../src/sys/mountinfo.ts';
import {type Ext4ImageOptions, makeExt4Image} from './images.ts';
import {assertIntegrationEnv} from './namespace.ts';

export interface TempRoot {
  /** The test's temp dir: `images/` and `root/` are in it. */
  readonly base: string;
  /** immucore's `/` for this test. */
  readonly root: string;
  /** Where images go by default (outside the root). */
  readonly images: string;
  /** A LinuxSys on `root` that sees only loop devices backed by files under `base`. */
  readonly sys: LinuxSys;
  /** The real path of an immucore path: `<root>/<p>`. */
  path(p: string): string;
  /** makeExt4Image into `images/` unless `dir` says otherwise. */
  makeExt4Image(opts: Omit<Ext4ImageOptions, 'dir'> & {dir?: string}): Promise<string>;
  /** `losetup --find --show` (read-only unless told); detached after the test. */
  attachLoop(image: string, opts?: {readOnly?: boolean; partscan?: boolean}): Promise<string>;
}

/**
 * Call at the top of a test file (or describe): checks the namespace once, gives each test a fresh
 * temp root, and cleans up after each test. The returned handle is valid inside tests and hooks.
 */
export function withTempRoot(): TempRoot {
  let current: {base: string; root: string; images: string; sys: LinuxSys} | undefined;
  const get = () => {
    if (!current) throw new Error('withTempRoot(): use the handle inside a test or hook');
    return current;
  };
  beforeAll(assertIntegrationEnv);
  beforeEach(async () => {
    const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'immucore-test-')));
    const root = path.join(base, 'root');
    const images = path.join(base, 'images');
    await Promise.all([fs.mkdir(root), fs.mkdir(images)]);
    current = {base, root, images, sys: new LinuxSys({root, devices: loopsBackedBy(base)})};
  });
  afterEach(async () => {
    const base = current?.base;
    current = undefined;
    if (base) await cleanUp(base);
  });
  return {
    get base() {
      return get().base;
    },
    get root() {
      return get().root;
    },
    get images() {
      return get().images;
    },
    get sys() {
      return get().sys;
    },
    path: (p) => path.join(get().root, p),
    makeExt4Image: (opts) => makeExt4Image({dir: get().images, ...opts}),
    attachLoop: async (image, opts = {}) => {
      const argv = ['--find', '--show', ...(opts.readOnly === false ? [] : ['--read-only'])];
      const {stdout} = await execa('losetup', [...argv, ...(opts.partscan ? ['--partscan'] : []), image]);
      return stdout.trim();
    },
  };
}

/** Unmount everything under `base`, detach the loops backed by files in it, then remove it. */
export async function cleanUp(base: string): Promise<void> {
  const under = (p: string) => p === base || p.startsWith(`${base}/`);
  const mounts = async () =>
    parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'))
      .map((m, i) => ({target: m.target, i}))
      .filter((m) => under(m.target));
  // Loops first, while their backing files still show paths under `base`: a root image's loop
  // lives on a mounted images partition, whose path is gone once that partition is unmounted.
  // Detaching a loop in use only marks it to go when its last mount does (autoclear).
  for (const loop of await listLoops()) {
    if (under(loop.backingFile)) await execa('losetup', ['-d', loop.device], {reject: false});
  }
  // Deepest first; at one target, the last mounted first.
  const todo = (await mounts()).sort(
    (a, b) => b.target.split('/').length - a.target.split('/').length || b.i - a.i,
  );
  for (const m of todo) {
    const r = await execa('umount', [m.target], {reject: false});
    if (r.exitCode !== 0) await execa('umount', ['-l', m.target], {reject: false});
  }
  const left = await mounts();
  if (left.length > 0) {
    throw new Error(
      `cleanup left mounts under ${base}: ${left.map((m) => m.target).join(', ')}; not removing it`,
    );
  }
  await fs.rm(base, {recursive: true, force: true});
}
