// Filesystem and disk images for integration tests: ext4 from a tree (mkfs.ext4 -d), vfat, and a
// GPT disk whose partitions carry the SPEC §1 names.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {type Tree, writeTree} from './tree.ts';

export interface Ext4ImageOptions {
  /** Directory to create the image in. */
  dir: string;
  label: string;
  tree?: Tree;
  sizeMiB?: number;
  /** File name; default `<label>.img`. */
  name?: string;
  uuid?: string;
  /** Keep a journal (default: none, smaller and faster to make). */
  journal?: boolean;
}

let staging = 0;

/** An ext4 image file holding `tree`, made by `mkfs.ext4 -q -L <label> -d <tree>`; its path. */
export async function makeExt4Image(opts: Ext4ImageOptions): Promise<string> {
  const file = path.join(opts.dir, opts.name ?? `${opts.label}.img`);
  const src = path.join(opts.dir, `.tree-${process.pid}-${staging++}`);
  await writeTree(src, opts.tree ?? {});
  try {
    await execa('mkfs.ext4', [
      '-q',
      '-F',
      '-L',
      opts.label,
      ...(opts.uuid ? ['-U', opts.uuid] : []),
      ...(opts.journal ? [] : ['-O', '^has_journal']),
      '-E',
      'root_owner=0:0',
      '-d',
      src,
      file,
      `${opts.sizeMiB ?? 16}M`,
    ]);
  } finally {
    await fs.rm(src, {recursive: true, force: true});
  }
  return file;
}

/** A vfat image with a volume label (mkfs.vfat), for the superblock reader. */
export async function makeVfatImage(opts: {dir: string; label: string; sizeMiB?: number; fat32?: boolean}) {
  const file = path.join(opts.dir, `${opts.label}.vfat`);
  const kib = (opts.sizeMiB ?? (opts.fat32 ? 40 : 8)) * 1024;
  await execa('mkfs.vfat', ['-C', ...(opts.fat32 ? ['-F', '32'] : []), '-n', opts.label, file, String(kib)]);
  return file;
}

export interface GptPartition {
  /** The GPT partition name (PARTLABEL). */
  name: string;
  sizeMiB: number;
  /** A filesystem image to copy into the partition (at most sizeMiB). */
  image?: string;
  /** The partition's unique GUID (PARTUUID). */
  uuid?: string;
}

/**
 * A GPT disk image (sgdisk) with partitions laid out from 1 MiB on, each filled from its image.
 * Attached with `partscan` it gives `loopNp1`... on a kernel with CONFIG_EFI_PARTITION; the dev
 * machine's kernel has no partition support at all, so boot tests use one loop per filesystem.
 */
export async function makeGptDisk(opts: {
  dir: string;
  name?: string;
  partitions: GptPartition[];
}): Promise<string> {
  const file = path.join(opts.dir, opts.name ?? 'disk.img');
  const MiB = 1024 * 1024;
  const total = 2 + opts.partitions.reduce((n, p) => n + p.sizeMiB, 0);
  await fs.writeFile(file, '');
  await fs.truncate(file, total * MiB);
  const args = ['-o'];
  let start = 1;
  const starts: number[] = [];
  opts.partitions.forEach((p, i) => {
    const n = i + 1;
    starts.push(start);
    args.push('-n', `${n}:${start * 2048}:${(start + p.sizeMiB) * 2048 - 1}`, '-c', `${n}:${p.name}`);
    if (p.uuid) args.push('-u', `${n}:${p.uuid}`);
    start += p.sizeMiB;
  });
  await execa('sgdisk', [...args, file]);
  const fh = await fs.open(file, 'r+');
  try {
    for (const [i, p] of opts.partitions.entries()) {
      if (!p.image) continue;
      const data = await fs.readFile(p.image);
      if (data.length > p.sizeMiB * MiB) throw new Error(`${p.image} does not fit in ${p.sizeMiB} MiB`);
      await fh.write(data, 0, data.length, (starts[i] ?? 0) * MiB);
    }
  } finally {
    await fh.close();
  }
  return file;
}
