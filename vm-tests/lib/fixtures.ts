// The disks the scenarios boot, built from one image set: the standard Kairos layout (SPEC §1)
// and a plain root partition for live-plan boots. Each scenario boots its own qcow2 overlay.
import {join} from 'node:path';
import {CACHE_DIR} from './cache.ts';
import {buildDisk, type PartitionSpec} from './disk.ts';
import {buildImageSet, type ImageSet} from './image.ts';
import {type BootOptions, type BootResult, bootVm, createOverlay} from './qemu.ts';

/** SPEC §1: OEM, recovery (recovery.img), state (active.img, passive.img), persistent. */
export function standardLayout(
  images: ImageSet,
  overrides: Partial<Record<string, PartitionSpec | null>> = {},
): PartitionSpec[] {
  const defaults: PartitionSpec[] = [
    {label: 'COS_OEM', content: {kind: 'empty'}},
    {label: 'COS_RECOVERY', content: {kind: 'files', files: {'cOS/recovery.img': images.images.recovery}}},
    {
      label: 'COS_STATE',
      content: {
        kind: 'files',
        files: {'cOS/active.img': images.images.active, 'cOS/passive.img': images.images.passive},
      },
    },
    {label: 'COS_PERSISTENT', content: {kind: 'empty'}, extraMiB: 256},
  ];
  // null drops a partition (missing-OEM scenario); a spec replaces the one with that label.
  return defaults.flatMap((p) => {
    const o = overrides[p.label];
    return o === null ? [] : [o ?? p];
  });
}

/** A disk whose only filesystem is the root tree itself (label ROOTFS): what dracut boots alone. */
export async function buildPlainRootDisk(images: ImageSet): Promise<string> {
  return buildDisk('plain-root', [{label: 'ROOTFS', content: {kind: 'image', image: images.images.active}}]);
}

export async function buildStandardDisk(images: ImageSet): Promise<string> {
  return buildDisk('standard', standardLayout(images));
}

/** Boots a fresh overlay of `base` (or `overlay`, reused across boots for persistence). */
export async function bootDisk(
  images: ImageSet,
  base: string,
  opts: Omit<BootOptions, 'kernel' | 'initrd' | 'disk'> & {overlay?: string},
): Promise<BootResult> {
  const disk = opts.overlay ?? (await createOverlay(base, join(CACHE_DIR, 'overlays', `${opts.name}.qcow2`)));
  return bootVm({...opts, kernel: images.vmlinuz, initrd: images.initrd, disk});
}

export {buildImageSet};
