// Filesystem labels and UUIDs read straight from the superblock: one small read per device, no
// process, no libblkid cache (which can answer with a stale regular file).
import type {BlockInfo} from './sys.ts';

/** Bytes at the start of a device that hold the ext, vfat, squashfs and xfs superblocks. */
export const HEAD_BYTES = 4096;
/** Where the iso9660 primary volume descriptor lives, and its size. */
export const ISO_PVD_OFFSET = 0x8000;
export const ISO_PVD_BYTES = 2048;

const EXT_SB = 1024;
const EXT_MAGIC = 0xef53;
// Features that only ext4 has (incompat: extents, 64bit, flex_bg, inline data...; ro_compat:
// huge_file, gdt_csum, dir_nlink, extra_isize, metadata_csum), as blkid decides ext4 vs ext3/ext2.
const EXT4_INCOMPAT = 0x40 | 0x80 | 0x200 | 0x400 | 0x1000 | 0x8000 | 0x10000;
const EXT4_RO_COMPAT = 0x8 | 0x10 | 0x20 | 0x40 | 0x400;

/** ext2/3/4, vfat, squashfs or xfs from the first HEAD_BYTES of a device; `undefined` if none. */
export function parseSuperblock(head: Uint8Array): BlockInfo | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return parseExt(buf) ?? parseVfat(buf) ?? parseSquashfs(buf) ?? parseXfs(buf);
}

function parseExt(buf: Buffer): BlockInfo | undefined {
  if (buf.length < EXT_SB + 136 || buf.readUInt16LE(EXT_SB + 56) !== EXT_MAGIC) return undefined;
  const compat = buf.readUInt32LE(EXT_SB + 92);
  const incompat = buf.readUInt32LE(EXT_SB + 96);
  const roCompat = buf.readUInt32LE(EXT_SB + 100);
  let fstype = 'ext2';
  if (incompat & 0x8) fstype = 'jbd';
  else if (incompat & EXT4_INCOMPAT || roCompat & EXT4_RO_COMPAT) fstype = 'ext4';
  else if (compat & 0x4) fstype = 'ext3';
  return withIds(
    fstype,
    cString(buf, EXT_SB + 120, 16),
    formatUuid(buf.subarray(EXT_SB + 104, EXT_SB + 120)),
  );
}

function parseVfat(buf: Buffer): BlockInfo | undefined {
  if (buf.length < 512 || buf[510] !== 0x55 || buf[511] !== 0xaa) return undefined;
  const sectorSize = buf.readUInt16LE(0x0b);
  if (![512, 1024, 2048, 4096].includes(sectorSize)) return undefined;
  // FAT32 keeps its extended boot record at 0x40, FAT12/16 at 0x24; the type string tells which.
  const fat32 = buf.toString('latin1', 0x52, 0x57) === 'FAT32';
  const fat16 = buf.toString('latin1', 0x36, 0x39) === 'FAT';
  if (!fat32 && !fat16) return undefined;
  const ebr = fat32 ? 0x40 : 0x24;
  if (buf[ebr + 2] !== 0x29) return {fstype: 'vfat'};
  const serial = buf.readUInt32LE(ebr + 3);
  const label = buf.toString('latin1', ebr + 7, ebr + 18).trimEnd();
  const uuid = serial.toString(16).toUpperCase().padStart(8, '0');
  return withIds('vfat', label === 'NO NAME' ? '' : label, `${uuid.slice(0, 4)}-${uuid.slice(4)}`);
}

function parseSquashfs(buf: Buffer): BlockInfo | undefined {
  return buf.length >= 4 && buf.toString('latin1', 0, 4) === 'hsqs' ? {fstype: 'squashfs'} : undefined;
}

function parseXfs(buf: Buffer): BlockInfo | undefined {
  if (buf.length < 120 || buf.toString('latin1', 0, 4) !== 'XFSB') return undefined;
  return withIds('xfs', cString(buf, 108, 12), formatUuid(buf.subarray(32, 48)));
}

/** The iso9660 primary volume descriptor (2048 bytes at 0x8000): volume id and creation date. */
export function parseIso9660(pvd: Uint8Array): BlockInfo | undefined {
  const buf = Buffer.from(pvd.buffer, pvd.byteOffset, pvd.byteLength);
  if (buf.length < 830 || buf[0] !== 1 || buf.toString('latin1', 1, 6) !== 'CD001') return undefined;
  const label = buf.toString('latin1', 40, 72).trimEnd();
  // blkid's UUID for iso9660 is the creation date, `YYYY-MM-DD-HH-MM-SS-CC`.
  const d = buf.toString('latin1', 813, 829);
  const uuid =
    /^\d{16}$/.test(d) && d !== '0000000000000000'
      ? d.replace(/(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/, '$1-$2-$3-$4-$5-$6-$7')
      : '';
  return withIds('iso9660', label, uuid);
}

function withIds(fstype: string, label: string, uuid: string): BlockInfo {
  const info: BlockInfo = {fstype};
  if (label !== '') info.label = label;
  if (uuid !== '') info.uuid = uuid;
  return info;
}

function cString(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? length : end);
}

/** 16 raw bytes → `8-4-4-4-12` lowercase hex; all zeroes → '' (no UUID). */
export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  if (/^0*$/.test(hex)) return '';
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
