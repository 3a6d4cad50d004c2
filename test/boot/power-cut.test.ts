// Issue 13, scenario 4: the power fails while a persistent path is being seeded. The "power cut" is
// a `cp` (first on PATH) that copies, cuts the last file it wrote to 1000 bytes, as a copy stopped
// half-way leaves it, and waits; the test then SIGKILLs immucore's whole process group, cp
// included, and reboots. What the cut left must not pass for the image's files or the user's: the
// next boot finishes the seed, every file whole, and a user's change made before an upgrade's cut
// is still kept. (The data flush before the rename, which a real power loss needs, is in
// src/steps/seed-state.test.ts: killing a process loses no page cache.)
import {createHash} from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import type {SeedRecord} from '../../src/report/boot-report.ts';
import {ENTRY, makeMachine} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import type {Tree} from '../helpers/tree.ts';

const t = withTempRoot();
const OLD = 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img';
const NEW = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const LAYOUT =
  'RW_PATHS="/var /etc"\nPERSISTENT_STATE_PATHS="/var/lib"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n';
const STATE = 'sysroot/usr/local/.state';
const T1 = new Date('2024-01-01T00:00:00.500Z');
const T2 = new Date('2024-06-01T00:00:00.500Z');

/** A /var/lib of `n` 16 KiB files and one of 1 MiB, each with its own bytes. */
function varLib(release: number, n = 150): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < n; i++)
    files[`var/lib/pkg/p${String(i).padStart(3, '0')}.db`] = Buffer.alloc(16 * 1024, `r${release} p${i} `);
  files['var/lib/big.bin'] = Buffer.alloc(2 ** 20, `r${release} big `);
  return files;
}
const asTree = (files: Record<string, Buffer>, mtime: Date): Tree =>
  Object.fromEntries(Object.entries(files).map(([p, b]) => [p, {content: b.toString('latin1'), mtime}]));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const seedOf = (seeds: SeedRecord[] | undefined) => seeds?.find((s) => s.path === '/var/lib');

/** Every file of the state dir of /var/lib, by path relative to it, as a hash. */
async function stateFiles(): Promise<Map<string, string>> {
  const top = t.path(`${STATE}/var-lib.bind`);
  const out = new Map<string, string>();
  for (const e of await fs.readdir(top, {recursive: true, withFileTypes: true})) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    out.set(path.relative(top, full), sha(await fs.readFile(full)));
  }
  return out;
}

/** A `cp` that copies into a var-lib staging dir, then cuts one file short, tells the test, and hangs. */
async function cuttingCp(dir: string, fifo: string): Promise<void> {
  await fs.mkdir(dir, {recursive: true});
  const script = `#!/bin/sh
# The destination: after -t (entries), else the last argument (a whole tree).
dest= prev= last=
for a; do [ "$prev" = -t ] && dest=$a; prev=$a; last=$a; done
[ -n "$dest" ] || dest=$last
/usr/bin/cp "$@" || exit $?
case "$dest" in *var-lib.bind.staging*) ;; *) exit 0 ;; esac
cut=$(find "$dest" -type f -size +2k | sort | tail -n 1)
truncate -s 1000 "$cut"
echo "\${cut#"$dest"/}" > ${fifo}
exec sleep 600
`;
  await fs.writeFile(path.join(dir, 'cp'), script, {mode: 0o755});
}

/** Boot with the cutting cp; return the file it cut once it hangs, after killing the whole group. */
async function bootCut(devices: string[], cmdline: string): Promise<string> {
  const bin = t.path('cut-bin');
  const fifo = t.path('cut.fifo');
  await cuttingCp(bin, fifo);
  await execa('mkfifo', [fifo]);
  await fs.mkdir(t.path('proc'), {recursive: true});
  await fs.writeFile(t.path('proc/cmdline'), `${cmdline}\n`);
  await fs.mkdir(t.path('run/cos'), {recursive: true});
  await fs.writeFile(t.path('run/cos/cos-layout.env'), LAYOUT);
  const [cmd, ...pre] = ENTRY.compiled;
  const child = execa(cmd, [...pre, 'run', '--root', t.root, '--devices', devices.join(',')], {
    reject: false,
    all: true,
    detached: true,
    env: {PATH: `${bin}:${process.env.PATH}`},
  });
  // Opening the FIFO waits for the cp to write it: the seed is then stopped mid-copy.
  const cut = await Promise.race([
    fs.readFile(fifo, 'utf8'),
    child.then((r) => {
      throw new Error(`immucore ended before the cut (exit ${r.exitCode}):\n${r.all}`);
    }),
  ]);
  process.kill(-(child.pid as number), 'SIGKILL');
  const r = await child;
  expect(r.signal).toBe('SIGKILL');
  await fs.rm(bin, {recursive: true});
  await fs.rm(fifo);
  return cut.trim();
}

describe('a power cut during the seed of a persistent path', () => {
  it('leaves no cut file as if whole: the next boot seeds the path whole, and an upgrade cut short resumes', async () => {
    const r1 = varLib(1);
    const r2 = varLib(2);
    const machine = await makeMachine(t, {
      images: ['active', 'passive'],
      imageTrees: {passive: asTree(r1, T1), active: asTree(r2, T2)},
    });

    // First boot, release 1: cut while /var/lib is copied up.
    const cut1 = await bootCut(machine.devices, OLD);
    expect(cut1).toMatch(/^(big\.bin|pkg\/p\d+\.db)$/);
    // Only the staging dir holds what was copied: no state dir, no records.
    const staged = await fs.stat(t.path(`${STATE}/.immucore/var-lib.bind.staging/${cut1}`));
    expect(staged.size).toBe(1000);
    await expect(fs.access(t.path(`${STATE}/var-lib.bind`))).rejects.toThrow(/ENOENT/);
    expect((await fs.readdir(t.path(`${STATE}/.immucore`))).sort()).toEqual(['var-lib.bind.staging']);
    await machine.shutdown();

    const again = await machine.boot(OLD, {layout: LAYOUT});
    expect(again.result.exitCode, again.result.all).toBe(0);
    expect(again.report.status).toBe('ok');
    expect(seedOf(again.report.seeds)).toMatchObject({kind: 'first', added: Object.keys(r1).length + 1});
    const want1 = new Map(Object.entries(r1).map(([p, b]) => [p.slice('var/lib/'.length), sha(b)]));
    expect(await stateFiles()).toEqual(want1);
    expect(await fs.readdir(t.path(`${STATE}/.immucore`))).not.toContain('var-lib.bind.staging');

    // The user changes one file; then an upgrade to release 2 is cut while it copies.
    await fs.writeFile(t.path('sysroot/var/lib/pkg/p000.db'), 'the user’s\n');
    await machine.shutdown();
    const cut2 = await bootCut(machine.devices, NEW);
    expect(cut2).not.toBe('pkg/p000.db');
    // Release 1's records stand: the cut seed wrote none, and moved nothing into the state dir.
    expect(await fs.readFile(t.path(`${STATE}/.immucore/var-lib.bind.seeded-from`), 'utf8')).toBe(
      `${seedOf(again.report.seeds)?.image}\n`,
    );
    expect((await stateFiles()).get(cut2)).toBe(want1.get(cut2));
    await machine.shutdown();

    const upgraded = await machine.boot(NEW, {layout: LAYOUT});
    expect(upgraded.report.status).toBe('ok');
    expect(seedOf(upgraded.report.seeds)).toMatchObject({
      kind: 'update',
      updated: Object.keys(r2).length - 1,
      keptUserChanged: 1,
    });
    const want2 = new Map(Object.entries(r2).map(([p, b]) => [p.slice('var/lib/'.length), sha(b)]));
    want2.set('pkg/p000.db', sha(Buffer.from('the user’s\n')));
    expect(await stateFiles()).toEqual(want2);
    await machine.shutdown();
  }, 240_000);
});
