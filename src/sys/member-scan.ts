// The device-stack signatures blkid reports as `LVM2_member`, `linux_raid_member`, `isw_raid_member`
// and `ddf_raid_member`, read in-process: two small reads per device (its first 8 KiB, its last
// 132 KiB), so activate-devices can leave `lvm` and `mdadm` unstarted when no disk carries a member.
// Used where udev's database cannot answer (no udevd, or a device it has no record of yet).
import fs from 'node:fs/promises';
import path from 'node:path';
import type {MemberTypes} from '../boot/activation.ts';
import {type DeviceFilter, parseUevent, SYS_BLOCK} from './block-scan.ts';

/** The LVM label is in one of the first four sectors; md 1.1 sits at 0, md 1.2 at 4 KiB. */
export const MEMBER_HEAD_BYTES = 8192;
/** md 0.90 (64 KiB aligned, 64 KiB before the end), md 1.0 (8 KiB before the end), isw, DDF anchors. */
export const MEMBER_TAIL_BYTES = 132 * 1024;

const MD_MAGIC = 0xa92b4efc;
const DDF_MAGIC = 0xde11de11;
const ISW_SIGNATURE = 'Intel Raid ISM Cfg Sig. ';

/**
 * blkid's member type from a device's first bytes (`head`, read at 0) and last bytes (`tail`, read
 * at `tailStart`) of a device of `size` bytes; '' when none. RAID first, as blkid probes: a PV on
 * an md 1.0 or 0.90 array shows the PV's label at the member's start too, and it is the array that
 * must be assembled first.
 */
export function identifyMember(head: Buffer, tail: Buffer, tailStart: number, size: number): string {
  const at = (offset: number, length: number) => {
    const from = offset - tailStart;
    return from >= 0 && from + length <= tail.length ? tail.subarray(from, from + length) : undefined;
  };
  const isMd = (b: Buffer | undefined, native: boolean) =>
    b !== undefined &&
    b.length >= 8 &&
    (b.readUInt32LE(0) === MD_MAGIC || (native && b.readUInt32BE(0) === MD_MAGIC)) &&
    (native || b.readUInt32LE(4) === 1);
  // 1.1 at 0, 1.2 at 4 KiB, 1.0 at 8 KiB before the end (4 KiB aligned); major_version 1.
  if (isMd(head.subarray(0, 8), false) || isMd(head.subarray(4096, 4104), false)) return 'linux_raid_member';
  if (size >= 8192 && isMd(at(Math.floor((size - 8192) / 4096) * 4096, 8), false)) return 'linux_raid_member';
  // 0.90: in the host's byte order, 64 KiB before the 64 KiB-aligned end.
  const md090 = Math.floor(size / 65536) * 65536 - 65536;
  if (md090 >= 0 && isMd(at(md090, 8), true)) return 'linux_raid_member';
  const isw = at(Math.floor(size / 512) * 512 - 1024, ISW_SIGNATURE.length);
  if (isw?.toString('latin1') === ISW_SIGNATURE) return 'isw_raid_member';
  for (const back of [1, 257]) {
    const ddf = at(Math.floor(size / 512) * 512 - back * 512, 4);
    if (ddf?.readUInt32BE(0) === DDF_MAGIC) return 'ddf_raid_member';
  }
  for (let sector = 0; sector < 4; sector++) {
    const s = head.subarray(sector * 512, sector * 512 + 32);
    if (
      s.length === 32 &&
      s.toString('latin1', 0, 8) === 'LABELONE' &&
      s.readBigUInt64LE(8) === BigInt(sector) &&
      s.toString('latin1', 24, 32) === 'LVM2 001'
    )
      return 'LVM2_member';
  }
  return '';
}

/**
 * Kernel name → member type of every non-empty block device the filter lets through ('' for none),
 * `undefined` for a device that could not be read (the caller cannot rule it out); `undefined`
 * for the whole when /sys/class/block cannot be listed.
 */
export async function scanMemberTypes(filter?: DeviceFilter): Promise<MemberTypes | undefined> {
  const names = await fs.readdir(SYS_BLOCK).catch(() => undefined);
  if (!names) return undefined;
  const found = await Promise.all(names.map((name) => readMemberType(name, filter)));
  return new Map(found.filter((e): e is [string, string | undefined] => e !== undefined));
}

async function readMemberType(
  name: string,
  filter?: DeviceFilter,
): Promise<[string, string | undefined] | undefined> {
  // Opening a floppy drive without a disk stalls for seconds (block-scan.ts).
  if (/^fd\d/.test(name) || (filter && !(await filter(name)))) return undefined;
  const dir = path.join(SYS_BLOCK, name);
  const [sizeText, uevent] = await Promise.all([
    fs.readFile(path.join(dir, 'size'), 'utf8').catch(() => '0'),
    fs.readFile(path.join(dir, 'uevent'), 'utf8').catch(() => ''),
  ]);
  const size = Number(sizeText.trim()) * 512;
  if (!(size > 0)) return undefined;
  const device = `/dev/${parseUevent(uevent).DEVNAME ?? name}`;
  try {
    const fh = await fs.open(device, 'r');
    try {
      const head = Buffer.alloc(Math.min(MEMBER_HEAD_BYTES, size));
      await fh.read(head, 0, head.length, 0);
      const tailStart = Math.max(0, size - MEMBER_TAIL_BYTES);
      const tail = Buffer.alloc(size - tailStart);
      await fh.read(tail, 0, tail.length, tailStart);
      return [name, identifyMember(head, tail, tailStart, size)];
    } finally {
      await fh.close();
    }
  } catch {
    return [name, undefined];
  }
}
