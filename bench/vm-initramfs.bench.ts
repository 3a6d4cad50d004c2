// The initramfs under QEMU (TCG, like CI), booted to initrd-fs.target and no further (the marker
// unit bench/vm-initrds.ts appends): immucore against a shell stand-in dracut module doing the same
// mounts (bench/vm-standin), immucore with and without the unit's BUN_JSC_useBaselineJIT=0, and
// the kernel's unpack time of the initramfs per compression. Every boot is the first boot of a
// fresh overlay of the standard disk (so both copy the image's content into the persistent state
// dirs), variants interleaved (A B C A B C ...) so a change in the machine's load hits all alike.
// Prints figures, asserts nothing. Needs what vm-tests needs (root, qemu).
// Run: npm run bench:vm   (IMMUCORE_BENCH_VM_RUNS=<n> boots per variant, default 3;
// IMMUCORE_BENCH_UNPACK_RUNS=<n> unpack-only boots per other compression, default 2; with
// IMMUCORE_BENCH_VM_RUNS=0 only the unpack-only boots run, zstd -3 among them;
// IMMUCORE_BENCH_UNPACK_ONLY="zstd -15,zstd -19": only these compressions)
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {CACHE_DIR} from '../vm-tests/lib/cache.ts';
import {buildImageSet, buildStandardDisk} from '../vm-tests/lib/fixtures.ts';
import {mebibytes} from '../vm-tests/lib/log.ts';
import {LOG_DIR} from '../vm-tests/lib/paths.ts';
import {bootVm, createOverlay} from '../vm-tests/lib/qemu.ts';
import {median} from './stats.ts';
import {buildCompressions, buildInitrds, FS_READY, MARK_END, unitSpan} from './vm-initrds.ts';

const RUNS = Number(process.env.IMMUCORE_BENCH_VM_RUNS ?? 3);
const UNPACK_RUNS = Number(process.env.IMMUCORE_BENCH_UNPACK_RUNS ?? 2);
const UNPACK_ONLY = process.env.IMMUCORE_BENCH_UNPACK_ONLY?.split(',');
const APPEND = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
// Printed by the kernel at KERN_INFO, on the console with its timestamp.
const UNPACK_START = /^\[\s*([\d.]+)\] Trying to unpack rootfs image as initramfs/m;
const UNPACK_END = /^\[\s*([\d.]+)\] Freeing initrd memory/m;
const UNPACK_FAILED = /Initramfs unpacking failed: [^\n]*/;

/** One boot's figures, in seconds of guest time (since the kernel started). */
interface Sample {
  unpack: number;
  /** initrd-fs.target reached (the marker); undefined for unpack-only boots. */
  fsReady?: number;
  /** The mounting unit: activating → its process exited (immucore: includes loading the binary). */
  unit?: number;
  load: number;
  wall: number;
}

const images = await buildImageSet();
// The stand-in and JIT variants are booted only by the full boots.
const initrds = RUNS > 0 ? await buildInitrds(images) : undefined;
const disk = await buildStandardDisk(images);
// Recompressing at dracut's level takes minutes on a loaded host: built while the first boots run.
const compressionsBuilt = buildCompressions(images);
const overlay = join(CACHE_DIR, 'overlays', 'bench-initramfs.qcow2');

async function boot(name: string, initrd: string, label: string, unpackOnly = false): Promise<Sample> {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const bootName = `bench-initramfs-${name}-${label}`.replaceAll(/[^\w.-]+/g, '_');
  const result = await bootVm({
    name: bootName,
    kernel: images.vmlinuz,
    initrd,
    disk: await createOverlay(disk, overlay),
    append: APPEND,
    timeoutSec: 300,
    stopOn: unpackOnly ? UNPACK_END : MARK_END,
  });
  const num = (re: RegExp, text: string) => {
    const m = re.exec(text)?.[1];
    if (m === undefined) throw new Error(`${name}: no ${re} in ${result.logPath}`);
    return Number(m);
  };
  // The kernel frees the initrd after a failed unpack too: a figure only for an archive it unpacked.
  const failed = UNPACK_FAILED.exec(result.log)?.[0];
  if (failed !== undefined) throw new Error(`${name}: ${failed} (${result.logPath})`);
  const sample: Sample = {
    unpack: num(UNPACK_END, result.log) - num(UNPACK_START, result.log),
    load,
    wall: result.seconds,
  };
  if (!unpackOnly) {
    const agent = readFileSync(join(LOG_DIR, `${bootName}.agent.log`), 'utf8');
    sample.fsReady = num(FS_READY, agent);
    sample.unit = unitSpan(agent);
  }
  process.stderr.write(
    `[bench] ${name} ${label}: unpack ${sample.unpack.toFixed(2)} s` +
      (sample.fsReady === undefined
        ? ''
        : `, initrd-fs.target at ${sample.fsReady.toFixed(2)} s, unit ${sample.unit?.toFixed(2)} s`) +
      ` (load ${load})\n`,
  );
  return sample;
}

// The boots to initrd-fs.target, interleaved.
const full = {
  'immucore (unit as shipped)': {initrd: initrds?.immucore ?? '', xs: [] as Sample[]},
  'immucore, baseline JIT on': {initrd: initrds?.immucoreJit ?? '', xs: [] as Sample[]},
  'shell stand-in module': {initrd: initrds?.standin ?? '', xs: [] as Sample[]},
};
for (let i = 1; i <= RUNS; i++) {
  for (const [name, v] of Object.entries(full)) v.xs.push(await boot(name, v.initrd, String(i)));
}
// The unpack-only boots: stopped at "Freeing initrd memory".
const compressions = await compressionsBuilt;
// zstd -3 is the shipped image, unpacked by every full boot; unpack-only too when there are none.
const others = Object.entries(compressions).filter(
  ([name]) => (RUNS === 0 || name !== 'zstd -3') && (UNPACK_ONLY === undefined || UNPACK_ONLY.includes(name)),
);
const unpack: Record<string, Sample[]> = Object.fromEntries(others.map(([name]) => [name, []]));
for (let i = 1; i <= UNPACK_RUNS; i++) {
  for (const [name, initrd] of others) unpack[name]?.push(await boot(name, initrd, String(i), true));
}

// NaN: a median of no runs (IMMUCORE_BENCH_UNPACK_RUNS=0 leaves the other compressions unbooted).
const s = (x: number) => (Number.isNaN(x) ? 'not measured' : `${x.toFixed(2)} s`);
const med = (xs: Sample[], pick: (x: Sample) => number | undefined) =>
  median(xs.map(pick).filter((x): x is number => x !== undefined));
const all = [...Object.values(full).flatMap((v) => v.xs), ...Object.values(unpack).flat()];
console.log(
  `\nInitramfs boot benchmark (QEMU TCG, -cpu max, 1 vCPU, 1 GiB; first boot of a fresh disk overlay each; medians of ${RUNS || UNPACK_RUNS}; host load average ${Math.min(...all.map((x) => x.load))}-${Math.max(...all.map((x) => x.load))}, median ${median(all.map((x) => x.load))})`,
);
console.log('kernel start → initrd-fs.target (guest clock), the mounting unit (activating → exited):');
for (const [name, v] of RUNS === 0 ? [] : Object.entries(full)) {
  console.log(
    `  ${name.padEnd(30)} initrd-fs ${s(med(v.xs, (x) => x.fsReady))}   unit ${s(med(v.xs, (x) => x.unit))}   unpack ${s(med(v.xs, (x) => x.unpack))}   [initrd-fs: ${v.xs.map((x) => x.fsReady?.toFixed(1)).join(', ')}; unit: ${v.xs.map((x) => x.unit?.toFixed(1)).join(', ')}]`,
  );
}
const [shipped, jit, shell] = Object.values(full).map((v) => v.xs);
const ratio = (a: Sample[] | undefined, b: Sample[] | undefined, pick: (x: Sample) => number | undefined) =>
  (med(a ?? [], pick) / med(b ?? [], pick)).toFixed(2);
if (RUNS > 0) {
  console.log(
    `  ratio immucore / shell stand-in    initrd-fs ${ratio(shipped, shell, (x) => x.fsReady)}   unit ${ratio(shipped, shell, (x) => x.unit)}   (issue target ≤ 1.10)`,
  );
  console.log(
    `  baseline JIT on / off (shipped)    initrd-fs ${ratio(jit, shipped, (x) => x.fsReady)}   unit ${ratio(jit, shipped, (x) => x.unit)}`,
  );
}
console.log('initramfs size and the kernel\'s unpack time ("Trying to unpack" → "Freeing initrd memory"):');
const sizes: ReadonlyArray<readonly [string, string | undefined, Sample[]]> = [
  ...(RUNS === 0 ? [] : ([['zstd -3 (the test images)', compressions['zstd -3'], shipped ?? []]] as const)),
  ...Object.entries(unpack).map(([name, xs]) => [name, compressions[name], xs] as const),
];
for (const [name, file, xs] of sizes) {
  console.log(
    `  ${name.padEnd(30)} ${mebibytes(statSync(file as string).size).padStart(10)}   unpack ${s(med(xs, (x) => x.unpack))}   [${xs.map((x) => x.unpack.toFixed(2)).join(', ')}]`,
  );
}
if (initrds !== undefined) {
  console.log(
    `  shell stand-in (zstd -3)       ${mebibytes(statSync(initrds.standin).size).padStart(10)}   unpack ${s(med(shell ?? [], (x) => x.unpack))}`,
  );
}
