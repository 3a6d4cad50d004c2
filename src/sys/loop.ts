// Loop devices: attach an image read-only (reusing an attachment that already exists, so a second
// run does not stack devices) and detach.
import fs from 'node:fs/promises';
import path from 'node:path';
import {losetupArgs, losetupDetachArgs} from './argv.ts';
import {SYS_BLOCK} from './block-scan.ts';
import {runTool} from './exec.ts';
import {loadLibc} from './libc.ts';
import {attachLoopByIoctl} from './loop-ioctl.ts';
import {closeSync, existsSync, openSync} from './node-fs.ts';
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
  const names = (await fs.readdir(SYS_BLOCK).catch(() => [] as string[])).filter((n) => /^loop\d+$/.test(n));
  const states = await Promise.all(names.map(readLoop));
  return states.filter((s): s is LoopState => s !== undefined);
}

async function readLoop(name: string): Promise<LoopState | undefined> {
  const dir = path.join(SYS_BLOCK, name);
  const read = (f: string) => fs.readFile(path.join(dir, f), 'utf8').then((t) => t.trim());
  try {
    const [backingFile, ro, offset, sizeLimit] = await Promise.all([
      read('loop/backing_file'),
      read('ro'),
      read('loop/offset'),
      read('loop/sizelimit'),
    ]);
    return {
      device: `/dev/${name}`,
      backingFile,
      readOnly: ro === '1',
      offset: Number(offset),
      sizeLimit: Number(sizeLimit),
    };
  } catch {
    return undefined;
  }
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
  const reuse = (await listLoops()).find(
    (l) => l.backingFile === real && l.readOnly === opts.readOnly && l.offset === 0 && l.sizeLimit === 0,
  );
  if (reuse) return reuse.device;
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
