// Mounting a typed spec: resolve its paths against the root and its device tag to a node, and
// treat a target that already holds that source as done, so a second run changes nothing.
import fs from 'node:fs/promises';
import type {MountSpec} from '../boot/mount-spec.ts';
import {mountArgs} from './argv.ts';
import type {DeviceFilter} from './block-scan.ts';
import {readBlockInfo} from './block-scan.ts';
import {findDevice, isDeviceTag} from './devices.ts';
import {runTool} from './exec.ts';
import {isMountRoot} from './libc.ts';
import {mountBySyscall} from './mount-syscall.ts';
import {findTopMount, formatDevNumber, optionValue, parseMountinfo} from './mountinfo.ts';
import {readFileSync} from './node-fs.ts';
import {isDevicePath, resolveUnder} from './paths.ts';
import {type MountEntry, SysError} from './sys.ts';

const PATH_OPTIONS = ['lowerdir', 'upperdir', 'workdir'];

/**
 * The spec with every immucore path made real: the target, a directory or file source, overlay
 * `lowerdir`/`upperdir`/`workdir`. Device nodes and names (`tmpfs`, `LABEL=x`) stay as they are.
 */
export function resolveMountPaths(spec: MountSpec, root: string): MountSpec {
  const source =
    spec.source.startsWith('/') && !isDevicePath(spec.source) ? resolveUnder(root, spec.source) : spec.source;
  const options = spec.options.map((o) => {
    const at = o.indexOf('=');
    if (at < 0 || !PATH_OPTIONS.includes(o.slice(0, at))) return o;
    const dirs = o
      .slice(at + 1)
      .split(':')
      .map((d) => (d.startsWith('/') ? resolveUnder(root, d) : d));
    return `${o.slice(0, at)}=${dirs.join(':')}`;
  });
  return {source, target: resolveUnder(root, spec.target), fstype: spec.fstype, options};
}

export function isBind(spec: MountSpec): boolean {
  return spec.options.includes('bind') || spec.options.includes('rbind');
}

export async function readMountinfo(): Promise<MountEntry[]> {
  return parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'));
}

/** Mount `spec` (immucore paths); `already` when the visible mount at the target holds its source. */
export async function mountSpec(
  spec: MountSpec,
  root: string,
  filter?: DeviceFilter,
): Promise<'mounted' | 'already'> {
  const real = resolveMountPaths(spec, root);
  if (isDeviceTag(real.source)) {
    const device = await findDevice(real.source, filter);
    if (!device) {
      throw new SysError(`Cannot mount ${spec.source} on ${spec.target}: no such device`, {
        code: 'ENOENT',
        hint: `Wait for the device first (waitForDevice), or check the name with lsblk -f.`,
      });
    }
    real.source = device;
  }
  if (real.fstype === 'auto' && isDevicePath(real.source)) {
    const info = await readBlockInfo(real.source).catch(() => undefined);
    if (info) real.fstype = info.fstype;
  }
  // Almost every target is no mount yet: one statx says so, where the kernel writing out the whole
  // mount table for each of a boot's ~46 mounts was ~4 % of a steady boot's samples. The table is
  // read only for a mount root (a retry, a bind onto itself), or when statx cannot tell. A mount
  // hidden by a later one over a parent is listed at the target but is not what the path reaches:
  // statx sees the path, so it is mounted again there. Read synchronously: the async read's hop to
  // the thread pool and back cost more than the read.
  const top =
    (await isMountRoot(real.target)) === false
      ? undefined
      : findTopMount(readFileSync('/proc/self/mountinfo', 'utf8'), real.target);
  if (top && (await holdsSource(top, real))) return 'already';
  const argv = mountArgs(real);
  if (!(await mountBySyscall(real, argv))) await runTool(argv);
  return 'mounted';
}

/** Does the visible mount `top` already hold what `spec` (real paths) would mount there? */
async function holdsSource(top: MountEntry, spec: MountSpec): Promise<boolean> {
  if (isBind(spec)) {
    const [a, b] = await Promise.all([fs.stat(spec.source), fs.stat(spec.target)]).catch(() => []);
    return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
  }
  if (isDevicePath(spec.source)) {
    const st = await fs.stat(spec.source).catch(() => undefined);
    return st?.isBlockDevice() === true && formatDevNumber(st.rdev) === top.majorMinor;
  }
  if (top.source !== spec.source || (spec.fstype !== 'auto' && top.fstype !== spec.fstype)) return false;
  // Two overlays on one target differ by their upper layer (a read-only one has none).
  const upper = optionValue(spec.options, 'upperdir');
  return upper === undefined || optionValue(top.superOptions, 'upperdir') === upper;
}
