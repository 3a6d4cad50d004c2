// The disks the scenarios boot, built from one image set: the standard Kairos layout (SPEC §1)
// and a plain root partition for live-plan boots. Each scenario boots its own qcow2 overlay.
import {join} from 'node:path';
import {CACHE_DIR} from './cache.ts';
import {buildDisk, type PartitionSpec} from './disk.ts';
import type {AgentFacts} from './facts.ts';
import {buildImageSet, type ImageSet} from './image.ts';
import {type BootOptions, type BootResult, bootVm, createOverlay} from './qemu.ts';
import {buildRecoverySquashfs} from './squashfs.ts';

/** SPEC §1: OEM, recovery (recovery.img), state (active.img, passive.img), persistent. */
export function standardLayout(
  images: ImageSet,
  overrides: Partial<Record<string, PartitionSpec | null>> = {},
): PartitionSpec[] {
  const defaults: PartitionSpec[] = [
    {label: 'COS_OEM', content: {kind: 'empty'}},
    {
      label: 'COS_RECOVERY',
      content: {kind: 'files', files: {'cOS/recovery.img': images.images.recovery}},
      shared: true,
    },
    {
      label: 'COS_STATE',
      content: {
        kind: 'files',
        files: {'cOS/active.img': images.images.active, 'cOS/passive.img': images.images.passive},
      },
      shared: true,
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

/**
 * The active root tree alone on a partition labelled COS_ACTIVE: what plain dracut boots with
 * root=LABEL=COS_ACTIVE, the benchmark's baseline (bench/vm.bench.ts).
 */
export async function buildPlainActiveDisk(images: ImageSet): Promise<string> {
  return buildDisk('plain-active', [
    {label: 'COS_ACTIVE', content: {kind: 'image', image: images.images.active}},
  ]);
}

export async function buildStandardDisk(images: ImageSet): Promise<string> {
  return buildDisk('standard', standardLayout(images));
}

/** The standard disk without its COS_OEM partition. */
export async function buildMissingOemDisk(images: ImageSet): Promise<string> {
  return buildDisk('missing-oem', standardLayout(images, {COS_OEM: null}));
}

/** The standard disk with COS_PERSISTENT on the logical volume immucore/persistent (LVM). */
export async function buildLvmDisk(images: ImageSet): Promise<string> {
  return buildDisk(
    'lvm-persistent',
    standardLayout(images, {
      COS_PERSISTENT: {
        label: 'COS_PERSISTENT',
        content: {kind: 'lvm', vg: 'immucore', lv: 'persistent', content: {kind: 'empty'}},
        extraMiB: 256,
      },
    }),
  );
}

/** The standard disk whose COS_RECOVERY holds the recovery root as /recovery.squashfs. */
export async function buildSquashfsRecoveryDisk(images: ImageSet): Promise<string> {
  const squashfs = await buildRecoverySquashfs(images);
  return buildDisk(
    'squashfs-recovery',
    standardLayout(images, {
      COS_RECOVERY: {label: 'COS_RECOVERY', content: {kind: 'files', files: {'recovery.squashfs': squashfs}}},
    }),
  );
}

export interface Scenario {
  /** Names the serial log and the overlay: vm-tests/logs/<name>.log. */
  name: string;
  append: string;
  /** The base disk; the standard one by default. */
  disk?: (images: ImageSet) => Promise<string>;
  /** A qcow2 overlay to boot as it is (made by createOverlay), instead of a fresh one. */
  overlay?: string;
  timeoutSec?: number;
  /** The guest's RAM (QEMU -m), 1024 MiB by default. */
  memoryMiB?: number;
  /** The guest writes files after its report (immucore.test.write) that a later boot reads. */
  waitForPoweroff?: boolean;
  /** Typed on the serial console as the boot goes (a break shell). */
  input?: BootOptions['input'];
  /** A software TPM whose state lives here, kept between the boots of a scenario. */
  tpmStateDir?: string;
  /** An ISO9660 image in a CD-ROM drive. */
  cdrom?: string;
}

/** Builds what is missing, boots the scenario and returns the agent's facts (throws without them). */
export async function bootForFacts(s: Scenario): Promise<{boot: BootResult; facts: AgentFacts}> {
  const images = await buildImageSet();
  const disk = await (s.disk ?? buildStandardDisk)(images);
  const boot = await bootDisk(images, disk, {
    name: s.name,
    append: s.append,
    timeoutSec: s.timeoutSec ?? 300,
    waitForPoweroff: s.waitForPoweroff ?? false,
    ...(s.overlay ? {overlay: s.overlay} : {}),
    ...(s.memoryMiB ? {memoryMiB: s.memoryMiB} : {}),
    ...(s.input ? {input: s.input} : {}),
    ...(s.tpmStateDir ? {tpmStateDir: s.tpmStateDir} : {}),
    ...(s.cdrom ? {cdrom: s.cdrom} : {}),
  });
  if (!boot.facts) throw new Error(`the agent never reported; see ${boot.logPath}`);
  return {boot, facts: boot.facts};
}

/** A fresh overlay of the scenario's disk, for a scenario that boots it more than once. */
export async function freshOverlay(name: string, disk?: Scenario['disk']): Promise<string> {
  const base = await (disk ?? buildStandardDisk)(await buildImageSet());
  return createOverlay(base, join(CACHE_DIR, 'overlays', `${name}.qcow2`));
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
