// Enumerate the block devices the kernel has (/sys/class/block) and read what each one holds:
// no udev, no libblkid cache, one small read per device.
import fs from 'node:fs/promises';
import path from 'node:path';
import {readPartUuid} from './gpt.ts';
import {HEAD_BYTES, ISO_PVD_BYTES, ISO_PVD_OFFSET, parseIso9660, parseSuperblock} from './superblock.ts';
import type {BlockInfo} from './sys.ts';

export const SYS_BLOCK = '/sys/class/block';

/** Decides which kernel block device names (`loop3`, `sda1`) a lookup may see. */
export type DeviceFilter = (name: string) => boolean | Promise<boolean>;

export interface BlockDevice {
  /** Kernel name: `loop3`, `sda1`, `nvme0n1p2`. */
  name: string;
  /** Device node: `/dev/sda1`. */
  path: string;
  /** GPT partition name (`PARTNAME=` in uevent). */
  partLabel?: string;
  /** Partition number, for partitions. */
  partn?: number;
  /** The filesystem on it, when one was recognised. */
  info?: BlockInfo;
}

/** `KEY=value` lines of a sysfs `uevent` file. */
export function parseUevent(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/**
 * Every non-empty block device that no other device holds (a member of an md array or a dm
 * table would otherwise show its filesystem twice), with its filesystem read from the superblock.
 */
export async function scanBlockDevices(filter?: DeviceFilter): Promise<BlockDevice[]> {
  const names = await fs.readdir(SYS_BLOCK).catch(() => [] as string[]);
  const found = await Promise.all(names.map((name) => describeDevice(name, filter)));
  return found.filter((d): d is BlockDevice => d !== undefined);
}

/** One device as scanBlockDevices sees it; `undefined` when filtered out, empty or held. */
export async function describeDevice(name: string, filter?: DeviceFilter): Promise<BlockDevice | undefined> {
  // Opening a floppy drive without a disk stalls for seconds; immucore never boots from one.
  if (/^fd\d/.test(name) || (filter && !(await filter(name)))) return undefined;
  const dir = path.join(SYS_BLOCK, name);
  const [size, holders, uevent] = await Promise.all([
    readSmall(path.join(dir, 'size')),
    fs.readdir(path.join(dir, 'holders')).catch(() => []),
    readSmall(path.join(dir, 'uevent')),
  ]);
  const sectors = Number(size ?? '0');
  if (!(sectors > 0) || holders.length > 0) return undefined;
  const ev = parseUevent(uevent ?? '');
  const dev: BlockDevice = {name, path: `/dev/${ev.DEVNAME ?? name.replaceAll('!', '/')}`};
  if (ev.PARTNAME) dev.partLabel = ev.PARTNAME;
  if (ev.PARTN) dev.partn = Number(ev.PARTN);
  const info = await readBlockInfo(dev.path, sectors * 512).catch(() => undefined);
  if (info) dev.info = info;
  return dev;
}

/** The filesystem at the start of a device or image file; `undefined` when none is recognised. */
export async function readBlockInfo(file: string, size?: number): Promise<BlockInfo | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const {bytesRead} = await fh.read(head, 0, HEAD_BYTES, 0);
    const info = parseSuperblock(head.subarray(0, bytesRead));
    if (info) return info;
    const total = size ?? (await fh.stat()).size;
    if (total > 0 && total < ISO_PVD_OFFSET + ISO_PVD_BYTES) return undefined;
    const pvd = Buffer.alloc(ISO_PVD_BYTES);
    const got = await fh.read(pvd, 0, ISO_PVD_BYTES, ISO_PVD_OFFSET);
    return parseIso9660(pvd.subarray(0, got.bytesRead));
  } finally {
    await fh.close();
  }
}

/** PARTUUID of a partition, from its disk's partition table. */
export async function partUuidOf(dev: BlockDevice): Promise<string | undefined> {
  if (dev.partn === undefined) return undefined;
  const diskDir = path.dirname(await fs.realpath(path.join(SYS_BLOCK, dev.name)));
  const disk = parseUevent((await readSmall(path.join(diskDir, 'uevent'))) ?? '');
  const sector = Number((await readSmall(path.join(diskDir, 'queue/logical_block_size'))) ?? '512');
  if (!disk.DEVNAME) return undefined;
  return readPartUuid(`/dev/${disk.DEVNAME}`, dev.partn, sector > 0 ? sector : 512).catch(() => undefined);
}

async function readSmall(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}
