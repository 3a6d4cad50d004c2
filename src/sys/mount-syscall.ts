// Mounting without a process. In the compiled binary (bun) immucore calls mount(2) through
// bun:ffi (libc.ts): a boot makes ~46 mounts, and a mount(8) process for each was the largest cost of the
// boot (every one a fork, an exec and libmount reading mountinfo). Under node (development,
// `bin/immucore.js`) there is no FFI and mount(8) does the work; both take the same MountSpec.
// umount2(2) likewise, for the initramfs stage's chroot binds (up to nine, unbound every boot).
import type {MountSpec} from '../boot/mount-spec.ts';
import {cstr, ERRNO_NAMES, loadLibc} from './libc.ts';
import {formatArgv, SysError} from './sys.ts';

// Flag options as mount(8) maps them to MS_* bits (linux/mount.h). `set: false` clears a bit.
const FLAGS: Record<string, {bit: number; set: boolean}> = {
  ro: {bit: 1, set: true},
  rw: {bit: 1, set: false},
  nosuid: {bit: 2, set: true},
  suid: {bit: 2, set: false},
  nodev: {bit: 4, set: true},
  dev: {bit: 4, set: false},
  noexec: {bit: 8, set: true},
  exec: {bit: 8, set: false},
  sync: {bit: 16, set: true},
  async: {bit: 16, set: false},
  dirsync: {bit: 128, set: true},
  noatime: {bit: 1024, set: true},
  atime: {bit: 1024, set: false},
  nodiratime: {bit: 2048, set: true},
  diratime: {bit: 2048, set: false},
  bind: {bit: 4096, set: true},
  rbind: {bit: 4096 | 16384, set: true},
  relatime: {bit: 1 << 21, set: true},
  norelatime: {bit: 1 << 21, set: false},
  strictatime: {bit: 1 << 24, set: true},
  lazytime: {bit: 1 << 25, set: true},
  nolazytime: {bit: 1 << 25, set: false},
};
// fstab-only words that mount(8) drops before the syscall.
const IGNORED = new Set([
  'defaults',
  'auto',
  'noauto',
  'user',
  'nouser',
  'users',
  'nofail',
  '_netdev',
  'owner',
  'group',
]);

/** The mount(2) flags and data string mount(8) would pass for these options. */
export function planMountSyscall(options: string[]): {flags: number; data: string} {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    if (f) flags = f.set ? flags | f.bit : flags & ~f.bit;
    else if (!IGNORED.has(o) && !o.startsWith('x-')) data.push(o);
  }
  return {flags, data: data.join(',')};
}

const ERRNO = ERRNO_NAMES;

/**
 * Mount `spec` (real paths, a resolved device and fstype) with mount(2). Returns false when the
 * syscall is not available here or the type is still `auto` (mount(8) tries the types then).
 */
export async function mountBySyscall(spec: MountSpec, argvForMessages: readonly string[]): Promise<boolean> {
  if (spec.fstype === 'auto') return false;
  const lib = await loadLibc();
  if (!lib) return false;
  const {flags, data} = planMountSyscall(spec.options);
  const fstype = spec.fstype === 'none' ? null : cstr(spec.fstype);
  if (lib.mount(cstr(spec.source), cstr(spec.target), fstype, BigInt(flags), data ? cstr(data) : null) === 0)
    return true;
  const errno = lib.errno();
  const name = ERRNO[errno] ?? `errno ${errno}`;
  throw new SysError(`${formatArgv(argvForMessages)} failed: mount(2) returned ${name}`, {
    code: ERRNO[errno] ?? 'EMOUNT',
    argv: argvForMessages,
    hint:
      name === 'EBUSY'
        ? `${spec.target} is busy or ${spec.source} is mounted elsewhere: see findmnt.`
        : 'See dmesg for what the kernel said about this mount.',
  });
}

const MNT_DETACH = 2;

/**
 * Unmount `target` (a real path) with umount2(2), lazily with `lazy`. Returns false when the
 * syscall is not available here (umount(8) does it then).
 */
export async function unmountBySyscall(
  target: string,
  opts: {lazy?: boolean},
  argvForMessages: readonly string[],
): Promise<boolean> {
  const lib = await loadLibc();
  if (!lib) return false;
  if (lib.umount2(cstr(target), opts.lazy ? MNT_DETACH : 0) === 0) return true;
  const errno = lib.errno();
  const name = ERRNO[errno] ?? `errno ${errno}`;
  throw new SysError(`${formatArgv(argvForMessages)} failed: umount2(2) returned ${name}`, {
    code: ERRNO[errno] ?? 'EUMOUNT',
    argv: argvForMessages,
    hint: name === 'EBUSY' ? `A process still uses ${target}: see fuser -vm ${target}.` : 'See dmesg.',
  });
}
