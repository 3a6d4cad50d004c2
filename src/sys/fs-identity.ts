// Which root image is booted, for the persistent state seed: a hash of its superblock. It is one
// 4 KiB read of the loop device, already in the page cache from probing it, so comparing it with
// what a state dir records costs microseconds on every boot. An image that is rebuilt gets a new
// UUID and creation time; one written in place gets a new write time and write count; one only
// ever mounted read-only keeps every byte of it. Hashing the inode table would also see a same-size
// edit with pinned UUID and timestamps, but costs tens of MiB of reads on every boot.
// The hash is WebCrypto's (the global `crypto`), not node:crypto: that module was the only reason
// a boot loaded node:crypto, whose start-up cost ~8 ms of CPU on every boot (bun --cpu-prof), far
// more than hashing 1 KiB. The digest is the same SHA-256, so recorded identities stay valid.
import fs from 'node:fs/promises';
import {HEAD_BYTES, parseSuperblock} from './superblock.ts';

const EXT_SB = 1024;
const EXT_SB_BYTES = 1024;

/**
 * `ext4 UUID=<uuid> sb=<16 hex>` from the first HEAD_BYTES of a device: the filesystem, its UUID,
 * and a hash of its superblock (ext) or of the whole head (the others); undefined when none is
 * recognised.
 */
export async function parseFsIdentity(head: Uint8Array): Promise<string | undefined> {
  const info = parseSuperblock(head);
  if (!info) return undefined;
  const ext = /^(ext[234]|jbd)$/.test(info.fstype);
  const region = ext ? head.slice(EXT_SB, EXT_SB + EXT_SB_BYTES) : head.slice();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', region));
  const hash = Buffer.from(digest.subarray(0, 8)).toString('hex');
  return `${info.fstype}${info.uuid ? ` UUID=${info.uuid}` : ''} sb=${hash}`;
}

/** The identity of the filesystem on `device` (a real path); see parseFsIdentity. */
export async function readFsIdentity(device: string): Promise<string | undefined> {
  const fh = await fs.open(device, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const {bytesRead} = await fh.read(head, 0, head.length, 0);
    return parseFsIdentity(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
