// Fault fixtures (issue 13): root images damaged the ways a fleet meets them, a disk whose images
// partition holds them, and a check of which partitions a boot wrote to.
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CACHE_DIR, cachedDir, hashInputs} from './cache.ts';
import {buildDisk} from './disk.ts';
import {runBuild} from './exec.ts';
import {bootDisk, buildImageSet} from './fixtures.ts';
import {type BootResult, createOverlay} from './qemu.ts';

// Bumped when the small roots or the damage below change.
const RECIPE = 'damaged-images-v2';

// The faulty-images disk's boots all stop in the initramfs (attach-image or mount-root) before
// anything reads a root's files, so its root images are small ext4 filesystems carrying only the
// image marker, made as the real ones are (mkfs.ext4 -d, the block and inode size of a 656 MiB
// image) but 32 MiB: the disk, four full images on COS_STATE, took 209 s to build on a loaded
// machine after every binary change; built from these it does not depend on the binary at all.
const SMALL_ROOT_MIB = 32;

export interface SmallRoots {
  /** Labelled COS_ACTIVE, `/etc/immucore-test-image` "active". */
  active: string;
  /** Labelled COS_SYSTEM, `/etc/immucore-test-image` "recovery". */
  recovery: string;
}

export async function buildSmallRoots(): Promise<SmallRoots> {
  const images = {active: 'COS_ACTIVE', recovery: 'COS_SYSTEM'} as const;
  const dir = await cachedDir('small-roots', hashInputs([RECIPE, String(SMALL_ROOT_MIB)]), async (tmp) => {
    for (const [name, label] of Object.entries(images)) {
      const tree = join(tmp, `${name}-tree`);
      await mkdir(join(tree, 'etc'), {recursive: true});
      await writeFile(join(tree, 'etc/immucore-test-image'), `${name}\n`);
      await runBuild([
        'mkfs.ext4',
        '-q',
        '-F',
        '-b',
        '4096',
        '-I',
        '256',
        '-L',
        label,
        '-d',
        tree,
        join(tmp, `${name}.img`),
        `${SMALL_ROOT_MIB}M`,
      ]);
      await rm(tree, {recursive: true});
    }
  });
  return {active: join(dir, 'active.img'), recovery: join(dir, 'recovery.img')};
}

export interface DamagedImages {
  /** active.img with its primary superblock zeroed: blkid finds no filesystem. */
  badSuperblock: string;
  /** active.img with group 0's inode table zeroed: the superblock (label COS_ACTIVE) is intact, the root inode is not. */
  noInodeTable: string;
}

export async function buildDamagedImages(roots: SmallRoots): Promise<DamagedImages> {
  const dir = await cachedDir('damaged-images', hashInputs([RECIPE, roots.active]), async (tmp) => {
    const copy = (name: string) =>
      runBuild(['cp', '--sparse=always', roots.active, join(tmp, name)]).then(() => join(tmp, name));
    const zero = (file: string, bs: number, seek: number, count: number) =>
      runBuild([
        'dd',
        'if=/dev/zero',
        `of=${file}`,
        `bs=${bs}`,
        `seek=${seek}`,
        `count=${count}`,
        'conv=notrunc',
      ]);
    await zero(await copy('bad-superblock.img'), 1024, 1, 1);
    const noInodes = await copy('no-inode-table.img');
    const dump = await runBuild(['dumpe2fs', noInodes]);
    const blockSize = Number(/^Block size:\s+(\d+)/m.exec(dump)?.[1]);
    const table = /Inode table at (\d+)-(\d+)/.exec(dump);
    if (!blockSize || !table?.[1] || !table[2]) throw new Error(`dumpe2fs ${noInodes}: no inode table found`);
    const first = Number(table[1]);
    await zero(noInodes, blockSize, first, Number(table[2]) - first + 1);
  });
  return {badSuperblock: join(dir, 'bad-superblock.img'), noInodeTable: join(dir, 'no-inode-table.img')};
}

/**
 * The standard layout (small roots on COS_RECOVERY and COS_STATE) whose COS_STATE also holds the
 * damaged images, and a passive.img that is a copy of active.img never relabelled (label
 * COS_ACTIVE): an upgrade interrupted between the copy and the relabel.
 */
export async function buildFaultyImagesDisk(): Promise<string> {
  const roots = await buildSmallRoots();
  const damaged = await buildDamagedImages(roots);
  return buildDisk('faulty-images', [
    {label: 'COS_OEM', content: {kind: 'empty'}},
    {label: 'COS_RECOVERY', content: {kind: 'files', files: {'cOS/recovery.img': roots.recovery}}},
    {
      label: 'COS_STATE',
      content: {
        kind: 'files',
        files: {
          'cOS/active.img': roots.active,
          'cOS/passive.img': roots.active,
          'cOS/bad-superblock.img': damaged.badSuperblock,
          'cOS/no-inode-table.img': damaged.noInodeTable,
        },
      },
    },
    {label: 'COS_PERSISTENT', content: {kind: 'empty'}, extraMiB: 256},
  ]);
}

/**
 * The bytes of partition `name` (its GPT name, which is its label here) that a boot wrote to its
 * qcow2 overlay: the overlay's own clusters (depth 0) that fall inside the partition.
 */
export async function bytesWrittenTo(overlay: string, base: string, name: string): Promise<number> {
  const table = JSON.parse(await runBuild(['sfdisk', '--json', base])) as {
    partitiontable: {sectorsize?: number; partitions: Array<{start: number; size: number; name?: string}>};
  };
  const sector = table.partitiontable.sectorsize ?? 512;
  const part = table.partitiontable.partitions.find((p) => p.name === name);
  if (!part) throw new Error(`${base} has no partition named ${name}`);
  const [from, to] = [part.start * sector, (part.start + part.size) * sector];
  const map = JSON.parse(await runBuild(['qemu-img', 'map', '--output=json', overlay])) as Array<{
    start: number;
    length: number;
    depth: number;
    data: boolean;
  }>;
  return map
    .filter((e) => e.depth === 0 && e.data)
    .reduce((n, e) => n + Math.max(0, Math.min(to, e.start + e.length) - Math.max(from, e.start)), 0);
}

// The end of the failure screen (src/boot/failure-action.ts): everything above it is on the
// console by then, and holding it the full 90 s would only cost TCG time.
export const FAILURE_SCREEN_END =
  /Powering off in \d+ s \(rd\.shell=0 rd\.emergency=poweroff\): press any key/;

/**
 * Boots the faulty-images disk with `append` (plus rd.shell=0 rd.emergency=poweroff) and stops QEMU
 * once the failure screen is painted; returns the boot and what it wrote to COS_STATE.
 */
export async function bootToFailure(
  name: string,
  append: string,
): Promise<{boot: BootResult; stateBytesWritten: number}> {
  const images = await buildImageSet();
  const base = await buildFaultyImagesDisk();
  const overlay = await createOverlay(base, join(CACHE_DIR, 'overlays', `${name}.qcow2`));
  const boot = await bootDisk(images, base, {
    name,
    append: `${append} rd.shell=0 rd.emergency=poweroff`,
    overlay,
    timeoutSec: 240,
    stopOn: FAILURE_SCREEN_END,
  });
  return {boot, stateBytesWritten: await bytesWrittenTo(overlay, base, 'COS_STATE')};
}

/**
 * Makes the COS_OEM filesystem of a boot's overlay unmountable, label intact: its primary
 * superblock claims an incompatible feature no kernel or e2fsck knows (bit 30), as a newer or a
 * corrupted mkfs leaves it. blkid still finds ext4 labelled COS_OEM; e2fsck and mount(2) refuse it.
 * Only the overlay changes (qemu-io writes the 1 KiB superblock, checksum recomputed by debugfs);
 * the cached base disk is shared. Returns the bytes of COS_OEM in the overlay afterwards.
 */
export async function breakOemSuperblock(overlay: string, base: string): Promise<number> {
  const table = JSON.parse(await runBuild(['sfdisk', '--json', base])) as {
    partitiontable: {sectorsize?: number; partitions: Array<{start: number; size: number; name?: string}>};
  };
  const sector = table.partitiontable.sectorsize ?? 512;
  const part = table.partitiontable.partitions.find((p) => p.name === 'COS_OEM');
  if (!part) throw new Error(`${base} has no partition named COS_OEM`);
  const dir = await mkdtemp(join(tmpdir(), 'immucore-oem-'));
  try {
    const fs = join(dir, 'oem.ext4');
    await runBuild([
      'dd',
      `if=${base}`,
      `of=${fs}`,
      `bs=${sector}`,
      `skip=${part.start}`,
      `count=${part.size}`,
    ]);
    const head = await readFile(fs);
    const incompat = head.readUInt32LE(1024 + 0x60);
    await runBuild(['debugfs', '-w', '-R', `ssv feature_incompat ${(incompat | 0x4000_0000) >>> 0}`, fs]);
    const sb = join(dir, 'superblock');
    await writeFile(sb, (await readFile(fs)).subarray(1024, 2048));
    const at = part.start * sector + 1024;
    await runBuild(['qemu-io', '-f', 'qcow2', '-c', `write -s ${sb} ${at} 1024`, overlay]);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
  return bytesWrittenTo(overlay, base, 'COS_OEM');
}
