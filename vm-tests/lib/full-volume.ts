// A COS_PERSISTENT that is nearly full (issue 13, scenario 5): a small ext4, made as the standard
// one is (mkfs.ext4's defaults for its size), holding one filler file that leaves 1 MiB that root
// can write. Root may use the 5 % reserve, but not the clusters ext4 keeps back for itself (2 % of
// the blocks, at most 4096: the kernel's ext4_calculate_resv_clusters): the first attempt left
// 1 MiB of free blocks and immucore could not even mkdir .state (ENOSPC on every path). The disk is
// the standard layout with this partition in place of its COS_PERSISTENT: the images partitions
// are the shared, cached ones. Keyed by the recipe only.
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cachedDir, hashInputs} from './cache.ts';
import {buildDisk} from './disk.ts';
import {runBuild} from './exec.ts';
import {standardLayout} from './fixtures.ts';
import type {ImageSet} from './image.ts';

// Bumped when the filesystem below changes.
const RECIPE = 'full-persistent-v2';
const SIZE_MIB = 64;
/** What the filler leaves root to write, in bytes: the "1 MiB free". */
export const FREE_BYTES = 1024 * 1024;
/** The filler's path on the volume (mounted at /usr/local). */
export const FILLER = '/filler';

/** What root can write on a 64 MiB ext4 of 1 KiB blocks beyond FREE_BYTES: ext4's own reserve. */
export const KERNEL_RESERVE_BYTES = Math.min(Math.floor((SIZE_MIB * 1024) / 50), 4096) * 1024;

/** Free blocks of an ext4 image in bytes (dumpe2fs -h: Free blocks × Block size; 1 KiB blocks here). */
async function freeBytes(fs: string): Promise<number> {
  const head = await runBuild(['dumpe2fs', '-h', fs]);
  const free = Number(/^Free blocks:\s+(\d+)/m.exec(head)?.[1]);
  const block = Number(/^Block size:\s+(\d+)/m.exec(head)?.[1]);
  if (!(free >= 0 && block === 1024))
    throw new Error(`dumpe2fs -h ${fs}: no free blocks or not 1 KiB blocks`);
  return free * block;
}

/** The COS_PERSISTENT filesystem image with its filler. */
export async function buildFullPersistentFs(): Promise<string> {
  const dir = await cachedDir('fs-full-persistent', hashInputs([RECIPE, String(SIZE_MIB)]), async (tmp) => {
    const fs = join(tmp, 'fs.ext4');
    await runBuild(['mkfs.ext4', '-q', '-F', '-L', 'COS_PERSISTENT', fs, `${SIZE_MIB}M`]);
    // Not zeros: debugfs' write leaves holes for zero blocks, which would take no space.
    // 16 KiB of slack for the filler's extent blocks.
    const size = (await freeBytes(fs)) - KERNEL_RESERVE_BYTES - FREE_BYTES - 16 * 1024;
    const work = await mkdtemp(join(tmpdir(), 'immucore-filler-'));
    try {
      const filler = join(work, 'filler');
      await writeFile(filler, Buffer.alloc(size, 0xa5));
      await runBuild(['debugfs', '-w', '-R', `write ${filler} ${FILLER.slice(1)}`, fs]);
    } finally {
      await rm(work, {recursive: true, force: true});
    }
    const left = (await freeBytes(fs)) - KERNEL_RESERVE_BYTES;
    if (left < FREE_BYTES || left > FREE_BYTES + 64 * 1024)
      throw new Error(`${fs}: root can write ${left} bytes after the filler, not about ${FREE_BYTES}`);
  });
  return join(dir, 'fs.ext4');
}

/** The standard disk whose COS_PERSISTENT is the nearly full one. */
export async function buildFullPersistentDisk(images: ImageSet): Promise<string> {
  const file = await buildFullPersistentFs();
  return buildDisk(
    'full-persistent',
    standardLayout(images, {COS_PERSISTENT: {label: 'COS_PERSISTENT', content: {kind: 'prebuilt', file}}}),
  );
}
