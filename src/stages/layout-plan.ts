// yip's `layout:` directive as a plan: a GPT partition table in, the edits out, or a refusal. Pure.
// yip (plugins/layout.go) first adds `add_partitions` after the last partition, then grows the
// disk's last partition (`expand_partition`, `size: 0` = to the end of the disk) and its filesystem.
// Where yip errors on a second boot ("requested size is less than or equal to current") or grows
// whichever partition is last, we are idempotent (nothing to do is not an error) and refuse to
// grow a labelled partition that is not the last one. Never shrinks, never moves a partition.

/** 1 MiB: partitions start on MiB boundaries, as sfdisk and parted place them. */
export const MIB = 1024 * 1024;
/** Sectors the backup GPT takes at the disk's end (header + 128 entries of 128 bytes), at 512 bytes. */
const BACKUP_GPT_BYTES = 33 * 512;

export interface DiskPartition {
  number: number;
  /** First and last sector, inclusive. */
  start: number;
  end: number;
  /** The GPT partition name (yip's `pLabel`). */
  name: string;
  /** What the partition holds, from its superblock: `ext4`, `vfat`, `swap`…; undefined when unknown or empty. */
  fsType?: string;
  fsLabel?: string;
}

export interface DiskTable {
  /** The disk (a block device or an image file). */
  disk: string;
  /** `gpt`, `dos`… */
  label: string;
  sectorSize: number;
  /** The disk's size in sectors now (it may have grown since the table was written). */
  sectors: number;
  /** First usable sector of the table. */
  firstUsable: number;
  partitions: DiskPartition[];
}

export interface AddPartitionSpec {
  fsLabel?: string;
  pLabel?: string;
  /** MiB; 0 = the rest of the disk. */
  sizeMiB: number;
  /** yip's names: ext2 (the default), ext3, ext4, xfs, btrfs, fat/vfat/fat16/fat32, swap, none/noformat/-. */
  filesystem: string;
  bootable: boolean;
}

export interface LayoutSpec {
  /** The disk by the filesystem label of one of its partitions, or by its path. */
  device: {label?: string; path?: string};
  /** MiB, 0 = to the end of the disk. */
  expand?: {sizeMiB: number};
  add: AddPartitionSpec[];
}

export type LayoutAction =
  | {
      kind: 'add';
      number: number;
      start: number;
      end: number;
      name: string;
      /** GPT type GUID. */
      type: string;
      /** mkfs type, undefined for none/noformat. */
      mkfs?: string;
      fsLabel?: string;
    }
  | {kind: 'grow'; number: number; start: number; from: number; end: number; fsType?: string};

export interface LayoutPlan {
  actions: LayoutAction[];
  /** Why parts of the spec need nothing (already there, already full): logged. */
  notes: string[];
}

/** A layout the disk cannot take, with what to do about it. */
export class LayoutRefusal extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const TYPES = {
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  bios: '21686148-6449-6E6F-744E-656564454649',
  msdata: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  swap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
};

/** The GPT type and mkfs type for yip's `filesystem:` value; undefined when yip does not know it. */
export function partitionKind(fs: string, bootable: boolean): {type: string; mkfs?: string} | undefined {
  switch (fs) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
    case 'xfs':
    case 'btrfs':
      return {type: bootable ? TYPES.bios : TYPES.linux, mkfs: fs};
    case 'fat':
    case 'vfat':
    case 'fat16':
    case 'fat32':
      return {type: bootable ? TYPES.esp : TYPES.msdata, mkfs: 'vfat'};
    case 'swap':
      return {type: TYPES.swap, mkfs: 'swap'};
    case '-':
    case 'none':
    case 'noformat':
      return {type: TYPES.linux};
    default:
      return undefined;
  }
}

/** Filesystems we grow in place after their partition (online when mounted). */
export const GROWABLE_FS = ['ext2', 'ext3', 'ext4'];

/**
 * Plan `spec` on `table`. `target` is the partition number holding `device.label` (undefined when
 * the disk was given by path). Throws a LayoutRefusal.
 */
export function planLayout(spec: LayoutSpec, table: DiskTable, target?: number): LayoutPlan {
  const where = spec.device.label ? `the disk holding ${spec.device.label} (${table.disk})` : table.disk;
  if (table.label !== 'gpt')
    throw new LayoutRefusal(
      `${where} has a ${table.label || 'no'} partition table; layout edits GPT only (as yip)`,
      'Partition the disk with a GPT table (Kairos installs use GPT).',
    );
  const sectorsPerMiB = MIB / table.sectorSize;
  const lastUsable = table.sectors - 1 - Math.ceil(BACKUP_GPT_BYTES / table.sectorSize);
  const parts = [...table.partitions].sort((a, b) => a.start - b.start);
  for (const [i, p] of parts.entries()) {
    const next = parts[i + 1];
    if (p.end < p.start || (next && next.start <= p.end) || p.start < table.firstUsable || p.end > lastUsable)
      throw new LayoutRefusal(
        `${where}: partition ${p.number} (sectors ${p.start}-${p.end}) overlaps ${next ? `partition ${next.number}` : 'the table'}; layout does not edit a damaged table`,
        `Check the table with sfdisk --verify ${table.disk} and fix it by hand.`,
      );
  }
  const actions: LayoutAction[] = [];
  const notes: string[] = [];
  let last = parts.at(-1);
  let used = new Set(parts.map((p) => p.number));
  for (const [i, a] of spec.add.entries()) {
    const label = a.pLabel ?? a.fsLabel ?? `add_partitions[${i}]`;
    const there = parts.find(
      (p) => (a.pLabel && p.name === a.pLabel) || (a.fsLabel && p.fsLabel === a.fsLabel),
    );
    if (there) {
      notes.push(`partition ${label} is already there (partition ${there.number}), not added`);
      continue;
    }
    const kind = partitionKind(a.filesystem, a.bootable);
    if (!kind)
      throw new LayoutRefusal(
        `add_partitions: filesystem "${a.filesystem}" of ${label} is not one yip knows`,
        'Use ext2, ext3, ext4, xfs, btrfs, fat, vfat, swap or none.',
      );
    const after = last ? last.end + 1 : table.firstUsable;
    const start = Math.ceil(after / sectorsPerMiB) * sectorsPerMiB;
    const end = a.sizeMiB === 0 ? lastUsable : start + a.sizeMiB * sectorsPerMiB - 1;
    if (end > lastUsable || start > lastUsable) {
      const free = Math.max(0, Math.floor(((lastUsable - start + 1) * table.sectorSize) / MIB));
      throw new LayoutRefusal(
        `add_partitions: ${label} needs ${a.sizeMiB || 'some'} MiB after the last partition of ${where}, ${free} MiB are free there`,
        'Give the disk more space, or a smaller size: (MiB; 0 = the rest).',
      );
    }
    let number = 1;
    while (used.has(number)) number++;
    used = new Set([...used, number]);
    const name = a.pLabel ?? '';
    actions.push({
      kind: 'add',
      number,
      start,
      end,
      name,
      type: kind.type,
      ...(kind.mkfs ? {mkfs: kind.mkfs} : {}),
      ...(a.fsLabel ? {fsLabel: a.fsLabel} : {}),
    });
    last = {
      number,
      start,
      end,
      name,
      ...(kind.mkfs ? {fsType: kind.mkfs} : {}),
      ...(a.fsLabel ? {fsLabel: a.fsLabel} : {}),
    };
  }
  if (spec.expand) {
    if (!last)
      throw new LayoutRefusal(
        `expand_partition: ${where} has no partition`,
        'Remove expand_partition or partition the disk.',
      );
    if (target !== undefined && target !== last.number)
      throw new LayoutRefusal(
        `expand_partition: ${spec.device.label} is partition ${target}, not the last partition of ${table.disk} (${last.number}); growing it would need moving the partitions after it`,
        `Grow the last partition instead, or move ${spec.device.label} to the end of the disk by hand.`,
      );
    if (last.fsType === 'swap' || last.fsType === 'vfat')
      throw new LayoutRefusal(
        `expand_partition: partition ${last.number} of ${table.disk} holds ${last.fsType}, which cannot be grown (as yip)`,
        'Grow an ext2/3/4 partition.',
      );
    if (last.fsType && !GROWABLE_FS.includes(last.fsType))
      throw new LayoutRefusal(
        `expand_partition: partition ${last.number} of ${table.disk} holds ${last.fsType}; immucore grows ext2/3/4 only in the initramfs`,
        `Grow it from the booted system (e.g. ${last.fsType === 'xfs' ? 'xfs_growfs' : 'btrfs filesystem resize max'}).`,
      );
    const want =
      spec.expand.sizeMiB === 0 ? lastUsable : last.start + spec.expand.sizeMiB * sectorsPerMiB - 1;
    if (want < last.end) {
      if (spec.expand.sizeMiB !== 0)
        throw new LayoutRefusal(
          `expand_partition: size ${spec.expand.sizeMiB} MiB is smaller than partition ${last.number} of ${table.disk} (${mib(last, table)} MiB); layout never shrinks`,
          'Give a larger size, or size: 0 to fill the disk.',
        );
    }
    if (want > lastUsable)
      throw new LayoutRefusal(
        `expand_partition: ${spec.expand.sizeMiB} MiB does not fit on ${table.disk}: partition ${last.number} can reach ${Math.floor(((lastUsable - last.start + 1) * table.sectorSize) / MIB)} MiB`,
        'Give a smaller size, or size: 0 to fill the disk.',
      );
    // Less than a MiB to gain is the backup table's room, or rounding: nothing to do (a second boot).
    if (want - last.end < sectorsPerMiB)
      notes.push(`partition ${last.number} of ${table.disk} already has its size (${mib(last, table)} MiB)`);
    else {
      const added = actions.find((x) => x.kind === 'add' && x.number === last?.number);
      if (added && added.kind === 'add') added.end = want;
      else
        actions.push({
          kind: 'grow',
          number: last.number,
          start: last.start,
          from: last.end,
          end: want,
          ...(last.fsType ? {fsType: last.fsType} : {}),
        });
    }
  }
  return {actions, notes};
}

function mib(p: {start: number; end: number}, t: DiskTable): number {
  return Math.floor(((p.end - p.start + 1) * t.sectorSize) / MIB);
}
