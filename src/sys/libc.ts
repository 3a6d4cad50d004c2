// libc calls without a process, through bun:ffi in the compiled binary. A process per call is the
// cost that matters on a slow CPU: under QEMU/TCG one fork + exec of a coreutils tool costs more
// than the whole in-process work around it. Under node (development, `bin/immucore.js`) there is
// no FFI: `loadLibc` returns null and each caller runs its tool instead, with the same result.
import {closeSync, openSync} from './node-fs.ts';

export interface Libc {
  mount(
    source: Buffer | null,
    target: Buffer,
    fstype: Buffer | null,
    flags: bigint,
    data: Buffer | null,
  ): number;
  umount2(target: Buffer, flags: number): number;
  syncfs(fd: number): number;
  llistxattr(path: Buffer, list: Buffer | null, size: number): number;
  statx(dirfd: number, path: Buffer, flags: number, mask: number, buf: Buffer): number;
  /** ioctl(2) with one argument: a pointer to a struct (a Buffer), an integer, or none. */
  ioctl(fd: number, request: number, arg: Buffer | number | null): number;
  utimensat(dirfd: number, path: Buffer, times: Buffer, flags: number): number;
  errno(): number;
}

/** errno names for messages (asm-generic/errno-base.h and the few others these syscalls return). */
export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  5: 'EIO',
  6: 'ENXIO',
  9: 'EBADF',
  12: 'ENOMEM',
  13: 'EACCES',
  15: 'ENOTBLK',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  20: 'ENOTDIR',
  22: 'EINVAL',
  24: 'EMFILE',
  25: 'ENOTTY',
  28: 'ENOSPC',
  30: 'EROFS',
  40: 'ELOOP',
  95: 'EOPNOTSUPP',
  117: 'EUCLEAN',
};

type FfiType = 'ptr' | 'u64' | 'i64' | 'i32' | 'u32';
type SymbolName =
  | 'mount'
  | 'umount2'
  | 'syncfs'
  | 'llistxattr'
  | 'statx'
  | 'ioctl'
  | 'utimensat'
  | '__errno_location';
type Native = (...a: unknown[]) => unknown;

// The C signatures of the symbols `Libc` calls.
const SYMBOLS: Record<SymbolName, {args: FfiType[]; returns: FfiType}> = {
  mount: {args: ['ptr', 'ptr', 'ptr', 'u64', 'ptr'], returns: 'i32'},
  umount2: {args: ['ptr', 'i32'], returns: 'i32'},
  syncfs: {args: ['i32'], returns: 'i32'},
  llistxattr: {args: ['ptr', 'ptr', 'u64'], returns: 'i64'},
  statx: {args: ['i32', 'ptr', 'i32', 'u32', 'ptr'], returns: 'i32'},
  // Variadic in C; the x86-64 and aarch64 ABIs pass a third integer or pointer argument alike.
  ioctl: {args: ['i32', 'u64', 'u64'], returns: 'i32'},
  utimensat: {args: ['i32', 'ptr', 'ptr', 'i32'], returns: 'i32'},
  __errno_location: {args: [], returns: 'ptr'},
};

interface Ffi {
  dlopen: (lib: string, s: Partial<typeof SYMBOLS>) => {symbols: Record<string, Native>};
  read: {i32: (p: unknown, off: number) => number};
  ptr: (b: Buffer) => number;
}

let libc: Libc | null | undefined;

/** libc.so.6's functions, loaded once; null under node, with IMMUCORE_NO_FFI, or without glibc. */
export async function loadLibc(): Promise<Libc | null> {
  if (libc !== undefined) return libc;
  libc = null;
  if (!('Bun' in globalThis) || process.env.IMMUCORE_NO_FFI) return libc;
  try {
    // The specifier is built at run time so node's loader and TypeScript never try to resolve it.
    const ffi = (await import(['bun', 'ffi'].join(':'))) as Ffi;
    const open = (...names: SymbolName[]): Native[] => {
      const {symbols} = ffi.dlopen('libc.so.6', Object.fromEntries(names.map((n) => [n, SYMBOLS[n]])));
      return names.map((n) => symbols[n] ?? missing(n));
    };
    // bun's dlopen compiles a trampoline per symbol (TinyCC, ~1 ms of CPU each), and a steady boot
    // calls only mount, statx (before each mount) and ioctl: the others are bound at their first
    // call. mount, statx and errno are bound now: every boot mounts, which tells whether there is a
    // glibc at all (musl: the tools, as without FFI), and binding errno late would run dlopen
    // between a failed call and the read of its errno.
    const [mount, statx, errnoLocation] = open('mount', 'statx', '__errno_location') as [
      Native,
      Native,
      Native,
    ];
    const late = (name: SymbolName): Native => {
      let fn: Native | undefined;
      return (...a) => {
        fn ??= open(name)[0] as Native;
        return fn(...a);
      };
    };
    const umount2 = late('umount2');
    const syncfs = late('syncfs');
    const llistxattr = late('llistxattr');
    const ioctl = late('ioctl');
    const utimensat = late('utimensat');
    libc = {
      mount: (...a) => mount(...a) as number,
      umount2: (...a) => umount2(...a) as number,
      syncfs: (fd) => syncfs(fd) as number,
      llistxattr: (p, list, size) => Number(llistxattr(p, list, size)),
      statx: (dirfd, p, flags, mask, buf) => statx(dirfd, p, flags, mask, buf) as number,
      ioctl: (fd, request, arg) =>
        ioctl(fd, request, arg === null ? 0 : typeof arg === 'number' ? arg : ffi.ptr(arg)) as number,
      utimensat: (dirfd, p, times, flags) => utimensat(dirfd, p, times, flags) as number,
      errno: () => ffi.read.i32(errnoLocation(), 0),
    };
  } catch {
    libc = null; // no libc.so.6 (musl): the tools it is
  }
  return libc;
}

function missing(name: string): never {
  throw new Error(`libc.so.6 has no ${name}`);
}

export const cstr = (s: string) => Buffer.from(`${s}\0`);

/**
 * syncfs(2) on the filesystem holding `p` (a real path): true when done, false when the syscall
 * is not available here (the caller runs `sync -f`). Throws the errno name when syncfs fails.
 */
export async function syncFsBySyscall(p: string): Promise<boolean> {
  const lib = await loadLibc();
  if (!lib) return false;
  const fd = openSync(p, 'r');
  try {
    if (lib.syncfs(fd) !== 0) throw new Error(`syncfs(${p}) failed: errno ${lib.errno()}`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The size of `p`'s xattr name list (0: none), never following a symlink; -1 when llistxattr fails. */
export function xattrListSize(lib: Libc, p: string): number {
  return lib.llistxattr(cstr(p), null, 0);
}

// statx(2): AT_FDCWD, AT_NO_AUTOMOUNT, STATX_TYPE; stx_attributes at 0x08, stx_attributes_mask at
// 0x38 of the 256-byte struct statx (linux/stat.h).
const AT_FDCWD = -100;
const AT_NO_AUTOMOUNT = 0x800;
const STATX_TYPE = 1;
const STATX_ATTR_MOUNT_ROOT = 0x2000;

/**
 * Whether `p` (a real path, symlinks followed as mount(2) follows them) is the root of a mount:
 * one statx instead of reading the mount table. undefined when that cannot be told here (no FFI,
 * statx failed, or a kernel before 5.8 that does not report STATX_ATTR_MOUNT_ROOT).
 */
export async function isMountRoot(p: string): Promise<boolean | undefined> {
  const lib = await loadLibc();
  if (!lib) return undefined;
  const buf = Buffer.alloc(256);
  if (lib.statx(AT_FDCWD, cstr(p), AT_NO_AUTOMOUNT, STATX_TYPE, buf) !== 0) return undefined;
  if ((buf.readUInt32LE(0x38) & STATX_ATTR_MOUNT_ROOT) === 0) return undefined;
  return (buf.readUInt32LE(0x08) & STATX_ATTR_MOUNT_ROOT) !== 0;
}

const AT_SYMLINK_NOFOLLOW = 0x100;

/**
 * Set `p`'s (a real path's) access and modification times to the nanosecond, a symlink's own
 * included: utimensat(2). node's utimes takes seconds as a double, which keeps ~240 ns at today's
 * epoch, so a time a hair before a whole second could land on the next one; a seed compares a
 * copied file's mtime to the second (src/boot/seed.ts) and would take the file for the user's.
 * Throws an error whose `code` is the errno's name.
 */
export function setTimes(lib: Libc, p: string, times: {atimeNs: bigint; mtimeNs: bigint}): void {
  const buf = Buffer.alloc(32);
  writeTimespec(buf, 0, times.atimeNs);
  writeTimespec(buf, 16, times.mtimeNs);
  if (lib.utimensat(AT_FDCWD, cstr(p), buf, AT_SYMLINK_NOFOLLOW) === 0) return;
  const errno = lib.errno();
  const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  throw Object.assign(new Error(`utimensat(${p}) failed: ${code}`), {code});
}

/** A struct timespec (two 64-bit fields) at `at`: nanoseconds in 0..999999999, before 1970 too. */
function writeTimespec(buf: Buffer, at: number, ns: bigint): void {
  const GIGA = 1_000_000_000n;
  let [sec, nsec] = [ns / GIGA, ns % GIGA];
  if (nsec < 0n) [sec, nsec] = [sec - 1n, nsec + GIGA];
  buf.writeBigInt64LE(sec, at);
  buf.writeBigInt64LE(nsec, at + 8);
}
