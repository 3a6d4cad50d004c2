// LUKS headers read straight from the device, as the superblocks are (superblock.ts): version,
// LUKS2 label, UUID and the token types of the LUKS2 JSON area, without running cryptsetup.
// A LUKS container is deliberately not a BlockInfo: a raw container labelled like the filesystem
// inside it (kairos#4033) must never answer a LABEL= lookup.
import fs from 'node:fs/promises';

const MAGIC = Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]); // "LUKS\xba\xbe"
/** The binary header; the LUKS2 JSON area follows it, up to hdr_size. */
export const LUKS_BINARY_HEADER = 4096;
// cryptsetup allows a LUKS2 metadata area of up to 4 MiB; the default is 16 KiB.
const MAX_HEADER = 4 * 1024 * 1024;

export interface LuksHeader {
  version: 1 | 2;
  label?: string;
  uuid?: string;
  /** LUKS2 only: bytes of binary header plus JSON area (hdr_size). */
  headerSize?: number;
  /** Token types of the JSON area, e.g. `systemd-tpm2`; [] when the JSON was not (fully) read. */
  tokens: string[];
}

/** The LUKS header at the start of `buf`; `undefined` when it is none. */
export function parseLuksHeader(buf: Buffer): LuksHeader | undefined {
  if (buf.length < 208 || !buf.subarray(0, 6).equals(MAGIC)) return undefined;
  const version = buf.readUInt16BE(6);
  if (version !== 1 && version !== 2) return undefined;
  const uuid = cString(buf, 168, 40);
  const header: LuksHeader = {version, tokens: []};
  if (uuid) header.uuid = uuid;
  if (version === 2) {
    const label = cString(buf, 24, 48);
    if (label) header.label = label;
    header.headerSize = Number(buf.readBigUInt64BE(8));
    if (buf.length > LUKS_BINARY_HEADER) header.tokens = tokenTypes(buf.subarray(LUKS_BINARY_HEADER));
  }
  return header;
}

function tokenTypes(area: Buffer): string[] {
  const end = area.indexOf(0);
  try {
    const json = JSON.parse(area.toString('utf8', 0, end < 0 ? area.length : end)) as {
      tokens?: Record<string, {type?: unknown}>;
    };
    return Object.values(json.tokens ?? {})
      .map((t) => t.type)
      .filter((t): t is string => typeof t === 'string');
  } catch {
    return [];
  }
}

/** The LUKS header of a device or image file, JSON area included; `undefined` when it has none. */
export async function readLuksHeader(file: string): Promise<LuksHeader | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(LUKS_BINARY_HEADER);
    const {bytesRead} = await fh.read(head, 0, head.length, 0);
    const first = parseLuksHeader(head.subarray(0, bytesRead));
    if (!first || first.version === 1 || !first.headerSize) return first;
    const size = Math.min(Math.max(first.headerSize, LUKS_BINARY_HEADER), MAX_HEADER);
    const whole = Buffer.alloc(size);
    const got = await fh.read(whole, 0, size, 0);
    return parseLuksHeader(whole.subarray(0, got.bytesRead));
  } finally {
    await fh.close();
  }
}

function cString(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? length : end);
}
