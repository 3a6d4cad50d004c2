// What udev's blkid builtin found on each block device (`ID_FS_TYPE`), read from udev's database
// (`/run/udev/data/b<major>:<minor>`) once udev has settled. activate-devices asks it whether any
// disk carries an LVM physical volume or an md RAID member before it runs `lvm`/`mdadm`: on a disk
// without either, those two tools cost ~1.3 s of a slow CPU on every boot's critical path.
import type {Sys} from './sys.ts';

export const UDEV_DATA_DIR = '/run/udev/data';
export const SYS_CLASS_BLOCK = '/sys/class/block';

/** `ID_FS_TYPE` of one udev database record; '' when udev found no signature on the device. */
export function udevFsType(record: string): string {
  return /^E:ID_FS_TYPE=(.*)$/m.exec(record)?.[1] ?? '';
}

/**
 * Kernel name → `ID_FS_TYPE` of every block device with a size (an unattached loop device has
 * none), or `undefined` when this cannot be told: no udev database (no udevd), or a device udev
 * has no record of. The caller then does what it did without the database.
 */
export async function readUdevFsTypes(sys: Sys): Promise<Map<string, string> | undefined> {
  const [names, hasDb] = await Promise.all([sys.readdir(SYS_CLASS_BLOCK), sys.exists(UDEV_DATA_DIR)]);
  if (!names || !hasDb) return undefined;
  const types = await Promise.all(
    names.map(async (name): Promise<[string, string | undefined] | undefined> => {
      const [size, devnum] = await Promise.all([
        sys.readText(`${SYS_CLASS_BLOCK}/${name}/size`),
        sys.readText(`${SYS_CLASS_BLOCK}/${name}/dev`),
      ]);
      if (size?.trim() === '0') return undefined;
      const record = devnum ? await sys.readText(`${UDEV_DATA_DIR}/b${devnum.trim()}`) : undefined;
      return [name, record === undefined ? undefined : udevFsType(record)];
    }),
  );
  const known = new Map<string, string>();
  for (const entry of types) {
    if (!entry) continue;
    const [name, type] = entry;
    if (type === undefined) return undefined;
    known.set(name, type);
  }
  return known;
}
