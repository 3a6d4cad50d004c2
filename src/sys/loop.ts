// Loop devices: attach an image read-only (reusing an attachment that already exists, so a second
// run does not stack devices) and detach.
import fs from 'node:fs/promises';
import path from 'node:path';
import {losetupArgs, losetupDetachArgs} from './argv.ts';
import {SYS_BLOCK} from './block-scan.ts';
import {runTool} from './exec.ts';
import {loadLibc} from './libc.ts';
import {attachLoopByIoctl} from './loop-ioctl.ts';
import {closeSync, existsSync, openSync, readdirSync, readFileSync} from './node-fs.ts';
import {SysError} from './sys.ts';

/** What the kernel says about an attached loop device (from /sys/class/block/loopN). */
export interface LoopState {
  device: string;
  backingFile: string;
  readOnly: boolean;
  offset: number;
  sizeLimit: number;
}

/** Every attached loop device; a detached one has no `loop/` directory in sysfs. */
export async function listLoops(): Promise<LoopState[]> {
  return loopNames()
    .map((name) => readLoop(name))
    .filter((s): s is LoopState => s !== undefined);
}

// Synchronous: sysfs answers from memory, and four promise reads per device (a host may have 32
// loop devices, attached or not) were ~15 ms of a steady boot's CPU.
function loopNames(): string[] {
  try {
    return readdirSync(SYS_BLOCK).filter((n) => /^loop\d+$/.test(n));
  } catch {
    return [];
  }
}

/** loopN's state; undefined when it is not attached (or detached meanwhile), or not to `backingFile`. */
function readLoop(name: string, backingFile?: string): LoopState | undefined {
  const dir = path.join(SYS_BLOCK, name);
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8').trim();
  try {
    const backing = read('loop/backing_file');
    if (backingFile !== undefined && backing !== backingFile) return undefined;
    return {
      device: `/dev/${name}`,
      backingFile: backing,
      readOnly: read('ro') === '1',
      offset: Number(read('loop/offset')),
      sizeLimit: Number(read('loop/sizelimit')),
    };
  } catch {
    return undefined;
  }
}

/** The whole-file attachment of `real` (offset 0, no size limit) in this mode, if there is one. */
function findAttachment(real: string, readOnly: boolean): string | undefined {
  for (const name of loopNames()) {
    // Only an attached device has loop/ (existsSync: no error made per free device); its backing
    // file rules out every other image before the three other reads.
    const backing = path.join(SYS_BLOCK, name, 'loop/backing_file');
    if (!existsSync(backing)) continue;
    const loop = readLoop(name, real);
    if (loop && loop.readOnly === readOnly && loop.offset === 0 && loop.sizeLimit === 0) return loop.device;
  }
  return undefined;
}

/** `/dev/loopN` for `image` (a real path), reusing a whole-file attachment with the same mode. */
export async function attachLoop(
  image: string,
  opts: {readOnly: boolean; partscan?: boolean},
): Promise<string> {
  let real: string;
  try {
    real = await fs.realpath(image);
  } catch (err) {
    throw new SysError(`Image ${image} does not exist`, {
      code: 'ENOENT',
      cause: err,
      hint: 'Check cos-img/filename= on the kernel cmdline and the files on the images partition.',
    });
  }
  const reuse = findAttachment(real, opts.readOnly);
  if (reuse) return reuse;
  // In-process where bun:ffi is (the compiled binary); losetup under node (development).
  const lib = await loadLibc();
  if (lib && existsSync('/dev/loop-control'))
    return attachLoopByIoctl(
      {ioctl: lib.ioctl, errno: lib.errno, open: openSync, close: closeSync},
      real,
      opts,
    );
  const {stdout} = await runTool(losetupArgs(real, opts));
  const device = stdout.trim();
  if (!device.startsWith('/dev/')) {
    throw new SysError(`losetup attached ${real} but printed "${device}" instead of a device`, {code: 'EIO'});
  }
  return device;
}

/** Detach `device`; nothing to do when it is not attached. */
export async function detachLoop(device: string): Promise<void> {
  const name = path.basename(device);
  if (!(await fs.stat(path.join(SYS_BLOCK, name, 'loop')).catch(() => undefined))) return;
  await runTool(losetupDetachArgs(device));
}
