// The kernel's initramfs format (cpio "newc", Documentation/driver-api/early-userspace/
// buffer-format.rst), enough for the benchmark's initramfs variants: split an archive's entries,
// write new ones. No cpio(1) on every host, and the format is 13 hex fields and 4-byte padding.
const MAGIC = '070701';
const HEADER = 110;
const pad4 = (n: number) => (4 - (n % 4)) % 4;

export interface Entry {
  name: string;
  /** The entry as it is in the archive: header, name and data, each padded. */
  raw: Buffer;
}

/** The entries of one uncompressed archive, without its trailer. */
export function readEntries(archive: Buffer): Entry[] {
  const entries: Entry[] = [];
  let at = 0;
  while (at + HEADER <= archive.length) {
    if (archive.toString('latin1', at, at + 6) !== MAGIC) throw new Error(`cpio: no newc header at ${at}`);
    const field = (i: number) =>
      Number.parseInt(archive.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const size = field(6);
    const nameSize = field(11);
    const name = archive.toString('utf8', at + HEADER, at + HEADER + nameSize - 1);
    const dataAt = at + HEADER + nameSize + pad4(HEADER + nameSize);
    const end = dataAt + size + pad4(size);
    if (name === 'TRAILER!!!') break;
    entries.push({name, raw: archive.subarray(at, end)});
    at = end;
  }
  return entries;
}

let nextIno = 0x40000000;

/** A new entry: a directory (data undefined), a file, or a symlink (`link` set). */
export function makeEntry(name: string, opts: {data?: Buffer; mode: number}): Entry {
  const data = opts.data ?? Buffer.alloc(0);
  const nameBytes = Buffer.from(`${name}\0`);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const isDir = (opts.mode & 0o170000) === 0o040000;
  const fields = [nextIno++, opts.mode, 0, 0, isDir ? 2 : 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(MAGIC + fields.map(hex).join(''), 'latin1');
  const raw = Buffer.concat([
    header,
    nameBytes,
    Buffer.alloc(pad4(HEADER + nameBytes.length)),
    data,
    Buffer.alloc(pad4(data.length)),
  ]);
  return {name, raw};
}

export const DIR = 0o040755;
export const FILE = 0o100644;
export const LINK = 0o120777;

/** An archive of `entries` with its trailer, padded to 512 bytes as cpio(1) pads it. */
export function writeArchive(entries: Entry[]): Buffer {
  const body = Buffer.concat([...entries.map((e) => e.raw), makeEntry('TRAILER!!!', {mode: 0}).raw]);
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
