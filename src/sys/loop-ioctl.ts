// Attaching an image to a loop device without a process: /dev/loop-control's LOOP_CTL_GET_FREE,
// then LOOP_CONFIGURE on the device it names (Linux ≥ 5.8; LOOP_SET_FD + LOOP_SET_STATUS64 on an
// older kernel), through bun:ffi's ioctl (libc.ts). `losetup --find --show` did the same in a
// process of its own: ~25 ms of the boot's critical path at full speed, more on a slow CPU. Like
// that losetup use, no autoclear: the device outlives immucore, and a later run reuses it.
import {ERRNO_NAMES} from './libc.ts';
import {SysError} from './sys.ts';

/** The libc calls an attach needs: ioctl and errno (libc.ts), open and close (node:fs). */
export interface LoopIo {
  ioctl(fd: number, request: number, arg: Buffer | number | null): number;
  errno(): number;
  /** open(2) with node's flags (`r`, `r+`); throws node's ErrnoException. */
  open(path: string, flags: 'r' | 'r+'): number;
  close(fd: number): void;
}

// linux/loop.h
export const LOOP_SET_FD = 0x4c00;
export const LOOP_CLR_FD = 0x4c01;
export const LOOP_SET_STATUS64 = 0x4c04;
export const LOOP_CONFIGURE = 0x4c0a;
export const LOOP_CTL_GET_FREE = 0x4c82;
const LO_FLAGS_PARTSCAN = 8;
const LO_NAME_SIZE = 64;
/** sizeof(struct loop_info64) and of struct loop_config (fd, block_size, info, 8 reserved u64). */
const LOOP_INFO64_BYTES = 232;
const LOOP_CONFIG_BYTES = 8 + LOOP_INFO64_BYTES + 64;
const EBUSY = 16;
const EINVAL = 22;
const ENOTTY = 25;
/** How often a device another attacher took between GET_FREE and the attach is given up for the next. */
export const ATTACH_ATTEMPTS = 32;

/**
 * `struct loop_info64` for `image`: the flags the attach sets (read-only comes from the backing
 * file opened read-only, as losetup does it) and the file name `losetup --list` shows.
 */
export function renderLoopInfo64(image: string, opts: {partscan?: boolean}): Buffer {
  const info = Buffer.alloc(LOOP_INFO64_BYTES);
  info.writeUInt32LE(opts.partscan ? LO_FLAGS_PARTSCAN : 0, 52); // lo_flags
  // lo_file_name: NUL-terminated, cut to 63 bytes as losetup cuts it.
  Buffer.from(image)
    .subarray(0, LO_NAME_SIZE - 1)
    .copy(info, 56);
  return info;
}

/** `struct loop_config` for LOOP_CONFIGURE: the backing fd and the loop_info64. */
export function renderLoopConfig(
  fd: number,
  image: string,
  opts: {readOnly: boolean; partscan?: boolean},
): Buffer {
  const config = Buffer.alloc(LOOP_CONFIG_BYTES);
  config.writeUInt32LE(fd, 0);
  const info = renderLoopInfo64(image, opts);
  // LO_FLAGS_READ_ONLY: LOOP_CONFIGURE takes it from the flags, not only from the fd's mode.
  if (opts.readOnly) info.writeUInt32LE(info.readUInt32LE(52) | 1, 52);
  info.copy(config, 8);
  return config;
}

/**
 * Attach `image` (a real path) to a free loop device with ioctls; the device path. Throws a
 * SysError naming the ioctl and errno when the kernel refuses.
 */
export function attachLoopByIoctl(
  io: LoopIo,
  image: string,
  opts: {readOnly: boolean; partscan?: boolean},
): string {
  const file = io.open(image, opts.readOnly ? 'r' : 'r+');
  try {
    const control = io.open('/dev/loop-control', 'r+');
    try {
      for (let attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
        const n = io.ioctl(control, LOOP_CTL_GET_FREE, null);
        if (n < 0) throw ioctlError(io, 'LOOP_CTL_GET_FREE', '/dev/loop-control', image);
        const device = `/dev/loop${n}`;
        const fd = io.open(device, 'r+');
        try {
          if (configure(io, fd, file, device, image, opts) === 'taken') continue;
        } finally {
          io.close(fd);
        }
        return device;
      }
    } finally {
      io.close(control);
    }
  } finally {
    io.close(file);
  }
  throw new SysError(`Cannot attach ${image}: every free loop device was taken by another attacher first`, {
    code: 'EBUSY',
    hint: 'Something attaches loop devices in a loop: see losetup --list.',
  });
}

/** LOOP_CONFIGURE, or SET_FD + SET_STATUS64 where the kernel lacks it; `taken` on EBUSY (a race). */
function configure(
  io: LoopIo,
  fd: number,
  file: number,
  device: string,
  image: string,
  opts: {readOnly: boolean; partscan?: boolean},
): 'attached' | 'taken' {
  if (io.ioctl(fd, LOOP_CONFIGURE, renderLoopConfig(file, image, opts)) === 0) return 'attached';
  const errno = io.errno();
  if (errno === EBUSY) return 'taken';
  if (errno !== EINVAL && errno !== ENOTTY) throw ioctlError(io, 'LOOP_CONFIGURE', device, image, errno);
  if (io.ioctl(fd, LOOP_SET_FD, file) !== 0) {
    const setErrno = io.errno();
    if (setErrno === EBUSY) return 'taken';
    throw ioctlError(io, 'LOOP_SET_FD', device, image, setErrno);
  }
  if (io.ioctl(fd, LOOP_SET_STATUS64, renderLoopInfo64(image, opts)) !== 0) {
    const err = ioctlError(io, 'LOOP_SET_STATUS64', device, image);
    io.ioctl(fd, LOOP_CLR_FD, 0);
    throw err;
  }
  return 'attached';
}

function ioctlError(io: LoopIo, call: string, device: string, image: string, errno = io.errno()): SysError {
  const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  return new SysError(`Cannot attach ${image} to a loop device: ${call} on ${device} returned ${name}`, {
    code: ERRNO_NAMES[errno] ?? 'ELOOPATTACH',
    hint: 'See dmesg for what the kernel said; losetup --list shows the loop devices in use.',
  });
}
