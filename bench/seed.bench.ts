// Persistent state seeds on a Debian root: /etc and /var/lib of the cached debootstrap root (read
// only; copied) as the persistent paths, the root images as read-only ext4 loops, the state on an
// ext4 loop. Per run: the first boot's seed, boots of the same image (the fast path every boot
// takes), an image rebuilt with the same files (what most paths see on an upgrade: a compare and
// nothing to copy), a "user" who edits and deletes files, an upgrade to an image that adds, changes and
// removes files, and a rollback. Also the Go immucore's every-boot `rsync -aAX --update` of the
// same paths, for scale. Figures only, no time is asserted. Needs root; runs itself in a private
// mount namespace. Run: npx tsx bench/seed.bench.ts (part of `npm run bench`).
import {existsSync, readdirSync} from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {noCounts, type SeedCounts} from '../src/boot/seed.ts';
import {type SeedJob, SeedRecords, seedStateDir} from '../src/steps/seed-state.ts';
import {LinuxSys} from '../src/sys/linux.ts';
import {integrationEnvProblem} from '../test/helpers/namespace.ts';
import {fmt, median} from './stats.ts';

const CACHE = '/var/cache/immucore-vm';
const PATHS = ['/etc', '/var/lib'];
const RUNS = Number(process.env.RUNS ?? 5);
const SAME_BOOTS = 20;

function debianRoot(): string | undefined {
  const dir = existsSync(CACHE) ? readdirSync(CACHE).find((d) => d.startsWith('debian-root-')) : undefined;
  return dir && existsSync(path.join(CACHE, dir, 'root/etc')) ? path.join(CACHE, dir, 'root') : undefined;
}

/** Regular files under `dir`, relative, sorted: the deterministic picks below come from this. */
async function regularFiles(dir: string): Promise<string[]> {
  const {stdout} = await execa('find', ['.', '-type', 'f', '-printf', '%P\\n'], {cwd: dir});
  return stdout.split('\n').filter(Boolean).sort();
}

interface Release {
  changed: string[];
  removed: string[];
  added: number;
}

/** Release 2 from release 1: every 15th file changed, every 40th removed, 3 new dirs and 10 new files. */
async function makeRelease2(v1: string, v2: string): Promise<Release> {
  await execa('cp', ['-a', '-T', v1, v2]);
  const files = await regularFiles(v2);
  const changed = files.filter((_, i) => i % 15 === 7);
  const removed = files.filter((_, i) => i % 40 === 3 && i % 15 !== 7);
  const later = new Date(Date.now() + 86_400_000);
  for (const f of changed) {
    await fs.appendFile(path.join(v2, f), '# changed in release 2\n');
    await fs.utimes(path.join(v2, f), later, later);
  }
  for (const f of removed) await fs.rm(path.join(v2, f));
  let added = 0;
  for (const dir of ['etc/release2.d', 'var/lib/release2', 'var/lib/release2/cache']) {
    await fs.mkdir(path.join(v2, dir), {recursive: true});
    added++;
    for (let i = 0; i < 10; i++, added++) await fs.writeFile(path.join(v2, dir, `f${i}`), `release 2 ${i}\n`);
  }
  for (let i = 0; i < 10; i++, added++)
    await fs.writeFile(path.join(v2, `etc/release2-${i}.conf`), `x=${i}\n`);
  return {changed, removed, added};
}

async function mkfs(file: string, label: string, opts: {from?: string; sizeMiB: number}): Promise<void> {
  await fs.writeFile(file, '');
  await fs.truncate(file, opts.sizeMiB * 2 ** 20);
  const from = opts.from ? ['-d', opts.from, '-O', '^has_journal'] : ['-T', 'default'];
  await execa('mkfs.ext4', ['-q', '-F', '-L', label, '-E', 'root_owner=0:0', ...from, file]);
}

async function attach(file: string, readOnly: boolean): Promise<string> {
  const {stdout} = await execa('losetup', ['--find', '--show', ...(readOnly ? ['--read-only'] : []), file]);
  return stdout.trim();
}

async function timed<T>(fn: () => Promise<T>): Promise<{ms: number; value: T}> {
  const t0 = performance.now();
  const value = await fn();
  return {ms: performance.now() - t0, value};
}

interface Run {
  first: number;
  same: number[];
  rebuilt: number;
  upgrade: number;
  rollback: number;
  rsync: number;
  counts: {first: SeedCounts; upgrade: SeedCounts; rollback: SeedCounts};
  user: {changedAlsoInImage: number; changedOnlyByUser: number; deleted: number};
  entries: number;
}

interface Images {
  v1: string;
  /** Release 1 built again: another image (a new identity), the same files. */
  v1b: string;
  v2: string;
}

async function oneRun(base: string, img: Images, v1tree: string, rel: Release): Promise<Run> {
  const root = path.join(base, 'root');
  await fs.rm(root, {recursive: true, force: true});
  await fs.mkdir(path.join(root, 'sysroot'), {recursive: true});
  await fs.mkdir(path.join(root, 'state'), {recursive: true});
  const persistent = path.join(base, 'persistent.img');
  await mkfs(persistent, 'COS_PERSISTENT', {sizeMiB: 1024});
  const loops: string[] = [];
  const sys = new LinuxSys({root});
  try {
    const pLoop = await attach(persistent, false);
    loops.push(pLoop);
    await execa('mount', [pLoop, path.join(root, 'state')]);
    const boot = async (image: string) => {
      const loop = await attach(image, true);
      loops.push(loop);
      await execa('mount', ['-o', 'ro', loop, path.join(root, 'sysroot')]);
      return loop;
    };
    const unboot = () => execa('umount', [path.join(root, 'sysroot')]);
    const seedAll = async (loop: string) => {
      const image = await sys.fsIdentity(loop);
      const total = noCounts();
      // As a boot does: the records of all paths written together at the end, with one flush.
      const records = new SeedRecords();
      for (const p of PATHS) {
        const name = `${p.slice(1).replaceAll('/', '-')}.bind`;
        const job: SeedJob = {
          path: p,
          name,
          source: `/sysroot${p}`,
          stateDir: `/state/${name}`,
          seedDir: '/state/.immucore',
          image,
        };
        const r = await seedStateDir(sys, job, records);
        for (const k of Object.keys(total) as Array<keyof SeedCounts>) total[k] += r.counts[k];
      }
      await records.commit(sys);
      return total;
    };

    const l1 = await boot(img.v1);
    const first = await timed(() => seedAll(l1));
    const same: number[] = [];
    for (let i = 0; i < SAME_BOOTS; i++) same.push((await timed(() => seedAll(l1))).ms);
    await unboot();
    const rebuilt = await timed(async () => seedAll(await boot(img.v1b)));
    // For scale: what the Go immucore runs on every boot, here with nothing to copy.
    const rsync = await timed(async () => {
      for (const p of PATHS) {
        const name = `${p.slice(1).replaceAll('/', '-')}.bind`;
        await execa('rsync', ['-aqAX', '--update', `${root}/sysroot${p}/`, `${root}/state/${name}/`]);
      }
    });

    // The user edits 12 files (6 that release 2 changes too) and deletes 8 (4 it changes).
    const state = (f: string) =>
      path.join(
        root,
        'state',
        `${f.startsWith('etc/') ? 'etc' : 'var-lib'}.bind`,
        f.replace(/^(etc|var\/lib)\//, ''),
      );
    const files = (await regularFiles(v1tree)).filter((f) => !rel.removed.includes(f));
    const unchanged = files.filter((f) => !rel.changed.includes(f));
    const userEdits = [...rel.changed.slice(0, 6), ...unchanged.slice(0, 6)];
    const userDeletes = [...rel.changed.slice(10, 14), ...unchanged.slice(20, 24)];
    for (const f of userEdits) await fs.appendFile(state(f), '# edited by the user\n');
    for (const f of userDeletes) await fs.rm(state(f));

    await unboot();
    const l2 = await boot(img.v2);
    const upgrade = await timed(() => seedAll(l2));
    await unboot();
    const back = await boot(img.v1);
    const rollback = await timed(() => seedAll(back));
    await unboot();
    return {
      first: first.ms,
      same,
      rebuilt: rebuilt.ms,
      upgrade: upgrade.ms,
      rollback: rollback.ms,
      rsync: rsync.ms,
      counts: {first: first.value, upgrade: upgrade.value, rollback: rollback.value},
      user: {changedAlsoInImage: 6, changedOnlyByUser: 6, deleted: userDeletes.length},
      entries: first.value.added,
    };
  } finally {
    await execa('umount', ['-R', path.join(root, 'sysroot')], {reject: false});
    await execa('umount', [path.join(root, 'state')], {reject: false});
    for (const l of loops) await execa('losetup', ['-d', l], {reject: false});
    await fs.rm(persistent, {force: true});
  }
}

const describe = (c: SeedCounts) =>
  `${c.added} added, ${c.updated} updated, ${c.keptUserChanged} kept (user-changed), ${c.notResurrected} not resurrected, ${c.notInImage} left (not in image)`;

export async function benchSeed(): Promise<void> {
  if (process.getuid?.() === 0 && /shares its mount namespace/.test(integrationEnvProblem() ?? '')) {
    // Run again in a private mount namespace, so no mount of the benchmark outlives it.
    const argv = ['--mount', '--propagation', 'private', '--', process.execPath, ...process.execArgv];
    await execa('unshare', [...argv, ...process.argv.slice(1)], {stdio: 'inherit'});
    return;
  }
  const problem = integrationEnvProblem();
  const debian = debianRoot();
  if (problem || !debian) {
    console.log(
      `seed benchmark: skipped, ${problem ?? `no cached Debian root in ${CACHE}`} (run as root: unshare --mount --propagation private -- npx tsx bench/seed.bench.ts)`,
    );
    return;
  }
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'immucore-bench-seed-'));
  try {
    const v1 = path.join(base, 'v1');
    for (const p of PATHS) {
      await fs.mkdir(path.dirname(path.join(v1, p)), {recursive: true});
      await execa('cp', ['-a', '-T', path.join(debian, p), path.join(v1, p)]);
    }
    const rel = await makeRelease2(v1, path.join(base, 'v2'));
    const img = {
      v1: path.join(base, 'v1.img'),
      v1b: path.join(base, 'v1b.img'),
      v2: path.join(base, 'v2.img'),
    };
    await mkfs(img.v1, 'COS_ACTIVE', {from: v1, sizeMiB: 96});
    await mkfs(img.v1b, 'COS_ACTIVE', {from: v1, sizeMiB: 96});
    await mkfs(img.v2, 'COS_ACTIVE', {from: path.join(base, 'v2'), sizeMiB: 96});
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(base, img, v1, rel));
    const r = runs[0] as Run;
    console.log(
      `persistent state seed, Debian ${PATHS.join(' + ')} (${r.entries} entries), ext4 loops, median of ${RUNS} runs (warm cache):`,
    );
    console.log(
      `  release 2: ${rel.changed.length} files changed, ${rel.removed.length} removed, ${rel.added} entries added; the user edited ${r.user.changedAlsoInImage + r.user.changedOnlyByUser} files (${r.user.changedAlsoInImage} also changed by release 2) and deleted ${r.user.deleted}`,
    );
    const row = (name: string, ms: number, counts?: SeedCounts) =>
      console.log(`  ${name.padEnd(36)} ${fmt(ms).padStart(10)}${counts ? `   ${describe(counts)}` : ''}`);
    row('first boot (seed both paths)', median(runs.map((x) => x.first)), r.counts.first);
    row('same image again (every boot)', median(runs.flatMap((x) => x.same)));
    row('another image, same files (compare)', median(runs.map((x) => x.rebuilt)));
    row('upgrade to release 2', median(runs.map((x) => x.upgrade)), r.counts.upgrade);
    row('rollback to release 1', median(runs.map((x) => x.rollback)), r.counts.rollback);
    row('Go immucore: rsync -aAX --update', median(runs.map((x) => x.rsync)));
    const same = median(runs.flatMap((x) => x.same));
    console.log(
      `  upgrade / first boot ${(median(runs.map((x) => x.upgrade)) / median(runs.map((x) => x.first))).toFixed(2)}, upgrade / same image ${(median(runs.map((x) => x.upgrade)) / same).toFixed(0)}x`,
    );
  } finally {
    await fs.rm(base, {recursive: true, force: true});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSeed();
