// PARTUUID without a process: the partition's GUID from the disk's GPT, or `<disk id>-<n>` on MBR.
import fs from 'node:fs/promises';

export interface GptHeader {
  entriesLba: number;
  entryCount: number;
  entrySize: number;
}

/** The GPT header found at LBA 1 (`EFI PART`), or `undefined` when the disk has none. */
export function parseGptHeader(lba1: Uint8Array): GptHeader | undefined {
  const buf = Buffer.from(lba1.buffer, lba1.byteOffset, lba1.byteLength);
  if (buf.length < 92 || buf.toString('latin1', 0, 8) !== 'EFI PART') return undefined;
  return {
    entriesLba: Number(buf.readBigUInt64LE(72)),
    entryCount: buf.readUInt32LE(80),
    entrySize: buf.readUInt32LE(84),
  };
}

/** A GUID as stored on disk (first three fields little-endian) → lowercase `8-4-4-4-12`. */
export function formatGuid(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  const hex = (from: number, to: number) => b.subarray(from, to).toString('hex');
  const le = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `${le(b.readUInt32LE(0), 8)}-${le(b.readUInt16LE(4), 4)}-${le(b.readUInt16LE(6), 4)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/** The MBR PARTUUID: disk signature (offset 440) and the partition number, `1234abcd-01`. */
export function mbrPartUuid(lba0: Uint8Array, partn: number): string | undefined {
  const buf = Buffer.from(lba0.buffer, lba0.byteOffset, lba0.byteLength);
  if (buf.length < 512 || buf[510] !== 0x55 || buf[511] !== 0xaa) return undefined;
  const sig = buf.readUInt32LE(440);
  if (sig === 0) return undefined;
  return `${sig.toString(16).padStart(8, '0')}-${partn.toString(16).padStart(2, '0')}`;
}

/** PARTUUID of partition `partn` of the disk at `diskPath`, reading two or three sectors. */
export async function readPartUuid(
  diskPath: string,
  partn: number,
  sectorSize: number,
): Promise<string | undefined> {
  const fh = await fs.open(diskPath, 'r');
  try {
    const head = Buffer.alloc(sectorSize * 2);
    await fh.read(head, 0, head.length, 0);
    const gpt = parseGptHeader(head.subarray(sectorSize));
    if (!gpt) return mbrPartUuid(head, partn);
    if (partn < 1 || partn > gpt.entryCount || gpt.entrySize < 32) return undefined;
    const entry = Buffer.alloc(32);
    await fh.read(entry, 0, 32, gpt.entriesLba * sectorSize + (partn - 1) * gpt.entrySize);
    const guid = entry.subarray(16, 32);
    return guid.every((x) => x === 0) ? undefined : formatGuid(guid);
  } finally {
    await fh.close();
  }
}
