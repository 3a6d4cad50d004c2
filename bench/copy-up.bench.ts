// First-boot copy-up of a 10k-file tree: Sys.copyTree (one `cp -a`) against `rsync -aAX`, each
// into a fresh directory, medians of RUNS. Target: ratio ≤ 1.2. Later boots: bench/seed.bench.ts.
// Run: npx tsx bench/copy-up.bench.ts
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {LinuxSys} from '../src/sys/linux.ts';

const FILES = 10_000;
const RUNS = Number(process.env.RUNS ?? 7);
// Sizes cycle through what an /etc or /var/lib holds: many tiny files, some pages, a few larger.
const SIZES = [0, 60, 300, 1200, 4096, 9000, 200, 700, 2500, 16_000];

async function makeTree(dir: string): Promise<{files: number; links: number; dirs: number; bytes: number}> {
  let bytes = 0;
  let links = 0;
  const dirs = new Set<string>();
  for (let i = 0; i < FILES; i++) {
    const d = path.join(dir, `d${i % 40}`, `s${i % 13}`);
    if (!dirs.has(d)) {
      await fs.mkdir(d, {recursive: true});
      dirs.add(d);
    }
    const f = path.join(d, `f${i}`);
    if (i % 20 === 19) {
      await fs.symlink(`f${i - 1}`, f);
      links++;
      continue;
    }
    const size = SIZES[i % SIZES.length] ?? 0;
    await fs.writeFile(f, Buffer.alloc(size, i % 251));
    if (i % 7 === 0) await fs.chmod(f, 0o600);
    bytes += size;
  }
  return {files: FILES - links, links, dirs: dirs.size + 40, bytes};
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  // tmpfs by default: the disk of a shared dev machine makes both sides noise; BENCH_DIR overrides.
  const where =
    process.env.BENCH_DIR ?? ((await fs.stat('/dev/shm').catch(() => undefined)) ? '/dev/shm' : os.tmpdir());
  const base = await fs.mkdtemp(path.join(where, 'immucore-bench-copyup-'));
  try {
    const tree = await makeTree(path.join(base, 'image/etc'));
    const sys = new LinuxSys({root: base});
    console.log(
      `${where}: tree: ${tree.files} files, ${tree.links} symlinks, ${tree.dirs} dirs, ${(tree.bytes / 2 ** 20).toFixed(1)} MiB; ${RUNS} runs each`,
    );
    const ours: number[] = [];
    const rsync: number[] = [];
    // Warm the page cache once so neither side pays for the first read.
    await execa('cp', ['-a', path.join(base, 'image/etc'), path.join(base, 'warm')]);
    await fs.rm(path.join(base, 'warm'), {recursive: true});
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so neither always runs on a cooler cache or a busier disk.
      const order = i % 2 === 0 ? ['ours', 'rsync'] : ['rsync', 'ours'];
      for (const which of order) {
        const dst = path.join(base, `${which}-${i}`);
        if (which === 'ours') {
          ours.push(await timed(() => sys.copyTree('/image/etc', `/${which}-${i}`)));
        } else {
          rsync.push(
            await timed(() => execa('rsync', ['-aAX', `${path.join(base, 'image/etc')}/`, `${dst}/`])),
          );
        }
        await fs.rm(dst, {recursive: true});
      }
    }
    const [o, r] = [median(ours), median(rsync)];
    console.log(
      `copyTree (cp -a) median ${o.toFixed(1)} ms  runs ${ours.map((x) => x.toFixed(0)).join(' ')}`,
    );
    console.log(
      `rsync -aAX       median ${r.toFixed(1)} ms  runs ${rsync.map((x) => x.toFixed(0)).join(' ')}`,
    );
    console.log(`ratio copyTree/rsync ${(o / r).toFixed(2)} (target <= 1.2)`);
  } finally {
    await fs.rm(base, {recursive: true, force: true});
  }
}

await main();
