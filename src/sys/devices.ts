// Finding a device by LABEL=/UUID=/PARTLABEL=/PARTUUID= or path, by enumerating the kernel's block
// devices and reading their superblocks. Never `blkid -L`/`findfs`: they answer from libblkid's
// cache and can return a regular file that `mount` then silently loop-mounts.
import fs from 'node:fs/promises';
import path from 'node:path';
import {renderUdevName} from '../boot/boot-mode.ts';
import {type DuplicateCandidate, decideDuplicateDevice} from '../boot/duplicate-device.ts';
import {
  type BlockDevice,
  type DeviceFilter,
  describeDevice,
  partUuidOf,
  SYS_BLOCK,
  scanBlockDevices,
} from './block-scan.ts';
import {formatDevNumber} from './mountinfo.ts';
import {type DeviceChoice, type DeviceLookup, SysError} from './sys.ts';

/** Told when two devices carried one name and the same-disk rule chose one (for a warning). */
export type OnDeviceChoice = (choice: DeviceChoice) => void;

export type DeviceKey = 'LABEL' | 'UUID' | 'PARTLABEL' | 'PARTUUID';
export type DeviceSpec = {kind: 'path'; path: string} | {kind: DeviceKey; value: string};

const UDEV_DIRS: Record<DeviceKey, string> = {
  LABEL: '/dev/disk/by-label',
  UUID: '/dev/disk/by-uuid',
  PARTLABEL: '/dev/disk/by-partlabel',
  PARTUUID: '/dev/disk/by-partuuid',
};

/** `LABEL=x` (`CDLABEL=x` is the same), `UUID=x`, `PARTLABEL=x`, `PARTUUID=x` or `/dev/x`. */
export function parseDeviceSpec(spec: string): DeviceSpec | undefined {
  const m = /^(LABEL|CDLABEL|UUID|PARTLABEL|PARTUUID)=(.+)$/.exec(spec);
  if (m?.[1] && m[2]) return {kind: m[1] === 'CDLABEL' ? 'LABEL' : (m[1] as DeviceKey), value: m[2]};
  if (/^\/dev\/\S+$/.test(spec)) return {kind: 'path', path: spec};
  return undefined;
}

/** True for a mount source that names a device by what it holds, not by path. */
export function isDeviceTag(source: string): boolean {
  const spec = parseDeviceSpec(source);
  return spec !== undefined && spec.kind !== 'path';
}

/** An allow-list of kernel names (`['loop7']`, which also allows `loop7p1`) as a filter. */
export function filterFromNames(names: readonly string[]): DeviceFilter {
  // Partitions of `sda` are `sda1`; of `loop7`, `nvme0n1` (ending in a digit) `loop7p1`.
  const isPart = (n: string, rest: string) => (/\d$/.test(n) ? /^p\d+$/ : /^\d+$/).test(rest);
  return (name) => names.some((n) => name === n || (name.startsWith(n) && isPart(n, name.slice(n.length))));
}

/**
 * Only loop devices (and their partitions) whose backing file lies under `dir`: lets tests that
 * run in parallel see their own images and nobody else's, whatever loop number they got.
 */
export function loopsBackedBy(dir: string): DeviceFilter {
  const prefix = `${path.resolve(dir)}/`;
  return async (name) => {
    for (const rel of ['loop/backing_file', '../loop/backing_file']) {
      try {
        // Not path.join: `..` must be resolved by the kernel, from the partition's real sysfs dir.
        return (await fs.readFile(`${SYS_BLOCK}/${name}/${rel}`, 'utf8')).trim().startsWith(prefix);
      } catch {
        // not a loop device, or not a partition of one: try the next place
      }
    }
    return false;
  };
}

/** The device node `spec` names, or `undefined` when no such device exists (yet). */
export async function findDevice(
  spec: string,
  filter?: DeviceFilter,
  onChoice?: OnDeviceChoice,
): Promise<string | undefined> {
  const parsed = parseDeviceSpec(spec);
  if (!parsed) {
    throw new SysError(`Device "${spec}" is not LABEL=, UUID=, PARTLABEL=, PARTUUID= or /dev/`, {
      code: 'EINVAL',
      hint: 'Name the device as LABEL=<label>, UUID=<uuid>, PARTLABEL=<name> or /dev/<name>.',
    });
  }
  if (parsed.kind === 'path') return findByPath(parsed.path, filter);
  const hit = await matchDevice(spec, parsed, await scanBlockDevices(filter), onChoice);
  if (hit) return hit.path;
  // udev names filesystems we do not read ourselves (btrfs...); in the initramfs it is there.
  return findByPath(path.join(UDEV_DIRS[parsed.kind], renderUdevName(parsed.value)), filter);
}

/**
 * findDevice for several specs from ONE scan of the block devices (a wait for several volumes
 * looks once per event, not once per volume per event). Each spec: the device and whether
 * immucore's own superblock read recognised it (`false`: only udev's link or the path names it),
 * `duplicate` when two devices carry it, `undefined` when none does.
 */
export async function lookupDevices(
  specs: readonly string[],
  filter?: DeviceFilter,
  onChoice?: OnDeviceChoice,
): Promise<Map<string, DeviceLookup>> {
  const out = new Map<string, DeviceLookup>();
  let scanned: BlockDevice[] | undefined;
  for (const spec of specs) {
    const parsed = parseDeviceSpec(spec);
    if (!parsed) continue;
    try {
      if (parsed.kind === 'path') {
        const device = await findByPath(parsed.path, filter);
        if (device) out.set(spec, {device, bySuperblock: false});
        continue;
      }
      scanned ??= await scanBlockDevices(filter);
      const hit = await matchDevice(spec, parsed, scanned, onChoice);
      if (hit) {
        out.set(spec, {device: hit.path, bySuperblock: true});
        continue;
      }
      const linked = await findByPath(
        path.join(UDEV_DIRS[parsed.kind], renderUdevName(parsed.value)),
        filter,
      );
      if (linked) out.set(spec, {device: linked, bySuperblock: false});
    } catch (err) {
      if (err instanceof SysError && err.code === 'EDUPLICATE') out.set(spec, 'duplicate');
      else throw err;
    }
  }
  return out;
}

/**
 * The one scanned device `spec` names. When several do, the one on the disk of the other COS_*
 * partitions (src/boot/duplicate-device.ts), told to `onChoice`; throws EDUPLICATE when that
 * cannot decide.
 */
async function matchDevice(
  spec: string,
  parsed: Exclude<DeviceSpec, {kind: 'path'}>,
  devices: readonly BlockDevice[],
  onChoice?: OnDeviceChoice,
): Promise<BlockDevice | undefined> {
  const key = parsed.kind;
  const hits: BlockDevice[] = [];
  for (const dev of devices) if (await matches(dev, key, parsed.value)) hits.push(dev);
  if (hits.length <= 1) return hits[0];
  const decision = decideDuplicateDevice(spec, await duplicateCandidates(hits, devices));
  if (decision.kind === 'ambiguous') {
    throw new SysError(decision.message, {code: 'EDUPLICATE', hint: decision.hint});
  }
  onChoice?.({spec, device: decision.device, message: decision.message, hint: decision.hint});
  return hits.find((d) => d.path === decision.device);
}

/** Each hit with its disk and the labels of the other filesystems on that disk. */
async function duplicateCandidates(
  hits: readonly BlockDevice[],
  devices: readonly BlockDevice[],
): Promise<DuplicateCandidate[]> {
  const disks = new Map(await Promise.all(devices.map(async (d) => [d, await diskOf(d)] as const)));
  return hits.map((hit) => ({
    device: hit.path,
    disk: disks.get(hit) ?? hit.name,
    siblings: devices
      .filter((d) => d !== hit && disks.get(d) === disks.get(hit) && d.info?.label)
      .map((d) => d.info?.label ?? ''),
  }));
}

/** The whole disk a partition belongs to (`vda` for `vda4`: its parent in sysfs); else itself. */
async function diskOf(dev: BlockDevice): Promise<string> {
  if (dev.partn === undefined) return dev.name;
  try {
    return path.basename(path.dirname(await fs.realpath(path.join(SYS_BLOCK, dev.name))));
  } catch {
    return dev.name;
  }
}

async function matches(dev: BlockDevice, key: DeviceKey, value: string): Promise<boolean> {
  switch (key) {
    case 'LABEL':
      return dev.info?.label === value;
    case 'UUID':
      return dev.info?.uuid?.toLowerCase() === value.toLowerCase();
    case 'PARTLABEL':
      return dev.partLabel === value;
    case 'PARTUUID':
      return dev.partn !== undefined && (await partUuidOf(dev))?.toLowerCase() === value.toLowerCase();
  }
}

async function findByPath(p: string, filter?: DeviceFilter): Promise<string | undefined> {
  try {
    const real = await fs.realpath(p);
    const st = await fs.stat(real);
    if (!st.isBlockDevice()) return undefined;
    const sysDir = await fs.realpath(`/sys/dev/block/${formatDevNumber(st.rdev)}`);
    return (await describeDevice(path.basename(sysDir), filter)) ? real : undefined;
  } catch {
    return undefined;
  }
}
