// The initramfs variants bench/vm-initramfs.bench.ts boots, built next to the image set in the VM
// cache: the shell stand-in (dracut with bench/vm-standin's module instead of immucore, the same
// dracut arguments as the test images), and the test image's own initramfs recompressed (dracut
// packs `cpio | $compress`, so recompressing the cpio is what dracut with that level makes), or
// split with the binary in an uncompressed first cpio segment, the way dracut prepends its early
// microcode. Every variant gets a marker unit appended (a cpio segment the kernel unpacks over
// the rest): once initrd-fs.target is reached it writes the guest's uptime on ttyS1, the end of
// the measured boot for immucore and the stand-in alike.
import {mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {cachedDir, hashFile, hashInputs, hashTree} from '../vm-tests/lib/cache.ts';
import {buildDebianRoot} from '../vm-tests/lib/debian-root.ts';
import {runBuild, runInChroot} from '../vm-tests/lib/exec.ts';
import {DRACUT_ARGS, type ImageSet} from '../vm-tests/lib/image.ts';
import {expectedLayout} from '../vm-tests/lib/layout.ts';
import {MountNamespace} from '../vm-tests/lib/namespace.ts';
import {REPO} from '../vm-tests/lib/paths.ts';
import {DIR, FILE, LINK, makeEntry, readEntries, writeArchive} from './cpio.ts';

const STANDIN_DIR = join(REPO, 'bench/vm-standin/90cos-shell');
const RECIPE = 'bench-initrds-v2';
/** Written on ttyS1 by the marker unit: `@@BENCH-FS-READY <uptime>@@`. */
export const FS_READY = /@@BENCH-FS-READY ([\d.]+)@@/;
/** After FS_READY, systemctl's answer, then this. */
export const MARK_END = /@@BENCH-END@@/;
/** The mounting unit's span in seconds (activating → its process exited), from the marker's output. */
export function unitSpan(agentPortText: string): number | undefined {
  const nums = (key: string) =>
    [...agentPortText.matchAll(new RegExp(`^${key}=(\\d+)`, 'gm'))].map((m) => Number(m[1]));
  const starts = nums('InactiveExitTimestampMonotonic');
  const ends = nums('ExecMainExitTimestampMonotonic');
  const i = starts.findIndex((x, j) => x > 0 && (ends[j] ?? 0) > 0);
  return i < 0 ? undefined : ((ends[i] as number) - (starts[i] as number)) / 1e6;
}
/**
 * zstd's options per variant: the test images' level, a middle one, dracut's `compress="zstd"`
 * (`zstd -15 -q -T0`), -19 (an 8 MiB window), and -19 with -15's 4 MiB window.
 */
export const ZSTD_OPTIONS = ['-3', '-9', '-15', '-19', '-19 --zstd=wlog=22'] as const;
const zstdFile = (opts: string) => `immucore-zstd${opts.replaceAll(/[^\w]+/g, '_')}.img`;

export interface Initrds {
  /** The test image's initramfs (zstd -3), marker appended. */
  immucore: string;
  /** The same, with the unit's BUN_JSC_useBaselineJIT=0 unset by a drop-in (appended segment). */
  immucoreJit: string;
  /** dracut with the shell stand-in module, no immucore (zstd -3), marker appended. */
  standin: string;
}

const MARKER_UNIT = `[Unit]
Description=bench: initrd-fs.target reached
DefaultDependencies=no
After=initrd-fs.target
Before=initrd.target
[Service]
Type=oneshot
ExecStart=/bin/sh /usr/lib/bench/mark.sh
`;

// The uptime once initrd-fs.target is reached, then when each mounting unit left "inactive" and
// its process exited (µs, guest clock; 0: no such unit in this initramfs), on ttyS1 (nothing else
// writes there). Before=initrd.target: switch-root waits for it.
const MARKER_SCRIPT = `read up rest < /proc/uptime
{
  echo "@@BENCH-FS-READY $up@@"
  systemctl show -p InactiveExitTimestampMonotonic -p ExecMainExitTimestampMonotonic immucore.service cos-shell.service
  echo "@@BENCH-END@@"
} > /dev/ttyS1
`;

const JIT_DROP_IN = `[Service]
UnsetEnvironment=BUN_JSC_useBaselineJIT
`;

async function inputs(images: ImageSet, ...more: string[]): Promise<string> {
  return hashInputs([
    RECIPE,
    ...DRACUT_ARGS,
    images.initrd,
    String((await stat(images.initrd)).mtimeMs),
    await hashFile(join(REPO, 'bench/vm-initrds.ts')),
    await hashFile(join(REPO, 'bench/cpio.ts')),
    ...more,
  ]);
}

/** The initramfs variants booted to initrd-fs.target. */
export async function buildInitrds(images: ImageSet): Promise<Initrds> {
  const root = await buildDebianRoot();
  const layout = layoutEnv();
  const key = await inputs(images, root.dir, await hashTree(STANDIN_DIR), layout);
  const dir = await cachedDir('bench-initrds', key, async (tmp) => {
    await buildStandin(tmp, root.dir, root.kernelVersion, layout);
    await appendSegment(images.initrd, join(tmp, 'immucore.img'), {});
    await appendSegment(images.initrd, join(tmp, 'immucore-jit.img'), {
      'etc/systemd/system/immucore.service.d/90-bench-jit.conf': JIT_DROP_IN,
    });
  });
  return {
    immucore: join(dir, 'immucore.img'),
    immucoreJit: join(dir, 'immucore-jit.img'),
    standin: join(dir, 'standin.img'),
  };
}

/**
 * The immucore initramfs at each zstd level, and split (`split, zstd -3`: the binary in an
 * uncompressed first segment, the rest at the test images' level), by name.
 */
export async function buildCompressions(images: ImageSet): Promise<Record<string, string>> {
  const dir = await cachedDir('bench-initrd-zstd', await inputs(images, ...ZSTD_OPTIONS), (tmp) =>
    buildFromImage(tmp, images.initrd),
  );
  const out: Record<string, string> = {};
  for (const o of ZSTD_OPTIONS) out[`zstd ${o}`] = join(dir, zstdFile(o));
  out['split, zstd -3'] = join(dir, 'immucore-split3.img');
  return out;
}

/** The active boot's layout, as the rootfs stage would write it to cos-layout.env. */
function layoutEnv(): string {
  const l = expectedLayout('active_mode');
  return [
    `VOLUMES="${l.volumes.map((v) => `LABEL=${v.label}:${v.mountpoint}`).join(' ')}"`,
    `RW_PATHS="${l.rwPaths.join(' ')}"`,
    `PERSISTENT_STATE_PATHS="${l.persistentPaths.join(' ')}"`,
    'PERSISTENT_STATE_TARGET=/usr/local/.state',
    '',
  ].join('\n');
}

async function buildStandin(tmp: string, rootDir: string, kver: string, layout: string): Promise<void> {
  const merged = join(tmp, 'merged');
  const upper = join(tmp, 'upper');
  const work = join(tmp, 'work');
  for (const d of [merged, upper, work]) await mkdir(d);
  const ns = await MountNamespace.start();
  try {
    await ns.mountOverlay({lower: rootDir, upper, work, merged});
    const mod = join(merged, 'usr/lib/dracut/modules.d/90cos-shell');
    await ns.run(['cp', '-R', STANDIN_DIR, mod]);
    await ns.run(['sh', '-c', 'printf "%s" "$1" > "$0/cos-shell-layout.env"', mod, layout]);
    await runInChroot(
      merged,
      ['dracut', ...DRACUT_ARGS, '--add', 'cos-shell', '--kver', kver, '/tmp/standin.img'],
      {
        via: (a, o) => ns.run(a, o),
      },
    );
    await ns.run(['cp', join(merged, 'tmp/standin.img'), join(tmp, 'standin.raw.img')]);
  } finally {
    await ns.stop();
  }
  await runBuild(['rm', '-rf', merged, upper, work]);
  await appendSegment(join(tmp, 'standin.raw.img'), join(tmp, 'standin.img'), {});
  await rm(join(tmp, 'standin.raw.img'));
}

async function buildFromImage(tmp: string, initrd: string): Promise<void> {
  // The cpio dracut compressed (the test image's initramfs is one zstd stream, no early segment).
  const cpio = join(tmp, 'immucore.cpio');
  await runBuild(['sh', '-c', 'zstd -d -q -c "$0" > "$1"', initrd, cpio]);
  for (const o of ZSTD_OPTIONS) {
    const out = join(tmp, 'zstd.raw.img');
    await runBuild(['sh', '-c', `zstd ${o} -q -T0 -c "$0" > "$1"`, cpio, out]);
    await appendSegment(out, join(tmp, zstdFile(o)), {});
    await rm(out);
  }
  // The split: usr/bin/immucore alone in a first, uncompressed archive (with its directories);
  // the rest compressed as dracut packs it.
  const entries = readEntries(await readFile(cpio));
  const binary = entries.filter((e) => e.name === 'usr/bin/immucore');
  if (binary.length !== 1) throw new Error(`${initrd}: no usr/bin/immucore in the archive`);
  const early = join(tmp, 'early.cpio');
  const rest = join(tmp, 'rest.cpio');
  await writeFile(
    early,
    writeArchive([makeEntry('usr', {mode: DIR}), makeEntry('usr/bin', {mode: DIR}), ...binary]),
  );
  await writeFile(rest, writeArchive(entries.filter((e) => e.name !== 'usr/bin/immucore')));
  const split = join(tmp, 'immucore-split3.raw.img');
  await runBuild(['sh', '-c', 'cp "$0" "$2" && zstd -3 -q -T0 -c "$1" >> "$2"', early, rest, split]);
  await appendSegment(split, join(tmp, 'immucore-split3.img'), {});
  await rm(split);
  await rm(early);
  await rm(rest);
  await rm(cpio);
}

/**
 * `out` = `initrd`, zero-padded to 4 bytes (the kernel looks for the next segment's magic there),
 * then an uncompressed archive with the marker unit and `files`.
 */
async function appendSegment(initrd: string, out: string, files: Record<string, string>): Promise<void> {
  const all: Record<string, string> = {
    'etc/systemd/system/bench-mark.service': MARKER_UNIT,
    'usr/lib/bench/mark.sh': MARKER_SCRIPT,
    ...files,
  };
  const dirs = new Set<string>(['etc/systemd/system/initrd.target.wants']);
  for (const path of Object.keys(all)) dirs.add(path.slice(0, path.lastIndexOf('/')));
  const allDirs = new Set<string>();
  for (const d of dirs) {
    const parts = d.split('/');
    for (let i = 1; i <= parts.length; i++) allDirs.add(parts.slice(0, i).join('/'));
  }
  const segment = writeArchive([
    ...[...allDirs].sort().map((d) => makeEntry(d, {mode: DIR})),
    ...Object.entries(all).map(([path, text]) => makeEntry(path, {data: Buffer.from(text), mode: FILE})),
    makeEntry('etc/systemd/system/initrd.target.wants/bench-mark.service', {
      data: Buffer.from('../bench-mark.service'),
      mode: LINK,
    }),
  ]);
  const base = await readFile(initrd);
  await writeFile(out, Buffer.concat([base, Buffer.alloc((4 - (base.length % 4)) % 4), segment]));
}
