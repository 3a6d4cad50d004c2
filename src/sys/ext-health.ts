// Whether an ext2/3/4 filesystem needs e2fsck before it is mounted, read from its superblock.
// `e2fsck -p` makes the same decision and exits at once on a clean filesystem, but it costs a
// process per partition on the boot's critical path; with fsck.mode=auto immucore reads the same
// fields itself and starts e2fsck only when it would have work to do.
const SB = 1024;
const STATE_VALID = 0x1;
const STATE_ERROR = 0x2;
const INCOMPAT_RECOVER = 0x4;

/** `undefined` when the filesystem is clean; else the reason e2fsck should look at it. */
export function extCheckReason(head: Uint8Array, nowSec: number): string | undefined {
  if (head.length < SB + 1024) return 'the superblock could not be read';
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.readUInt16LE(SB + 56) !== 0xef53) return 'no ext superblock';
  const state = b.readUInt16LE(SB + 58);
  if (!(state & STATE_VALID)) return 'not cleanly unmounted';
  if (state & STATE_ERROR) return 'the kernel recorded errors';
  if (b.readUInt32LE(SB + 96) & INCOMPAT_RECOVER) return 'the journal needs recovery';
  const mounts = b.readUInt16LE(SB + 52);
  const maxMounts = b.readInt16LE(SB + 54);
  if (maxMounts > 0 && mounts >= maxMounts) return `mounted ${mounts} times (check every ${maxMounts})`;
  const lastCheck = b.readUInt32LE(SB + 64);
  const interval = b.readUInt32LE(SB + 68);
  if (interval > 0 && lastCheck + interval <= nowSec) return 'the check interval has passed';
  return undefined;
}
