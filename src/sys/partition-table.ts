// A disk's partition table read and edited with util-linux (sfdisk, partx, blkid), for the
// `layout` directive. `disk` is a block device or an image file (a real path, not a Sys path).
// sfdisk writes the new table with the backup GPT moved to the disk's end (a disk that grew since
// the image was made); partx then tells the kernel with BLKPG, which works while a partition of the
// disk is mounted (a BLKRRPART re-read would be refused).
import type {Sys} from './sys.ts';

export interface ReadPartition {
  number: number;
  start: number;
  end: number;
  name: string;
  fsType?: string;
  fsLabel?: string;
}

export interface ReadTable {
  disk: string;
  label: string;
  sectorSize: number;
  sectors: number;
  firstUsable: number;
  partitions: ReadPartition[];
  /** A block device (the kernel must be told), or an image file. */
  isBlockDevice: boolean;
}

interface SfdiskJson {
  partitiontable?: {
    label?: string;
    firstlba?: number;
    sectorsize?: number;
    partitions?: Array<{node: string; start: number; size: number; name?: string}>;
  };
}

/** The disk's table, its current size and what each partition holds (blkid at the partition's offset). */
export async function readPartitionTable(sys: Sys, disk: string): Promise<ReadTable> {
  const {stdout: kind} = await sys.run(['stat', '-L', '-c', '%F %s', disk]);
  const isBlockDevice = kind.startsWith('block special');
  const bytes = isBlockDevice
    ? Number((await sys.run(['blockdev', '--getsize64', disk])).stdout.trim())
    : Number(kind.trim().split(' ').at(-1));
  const dump = await sys.run(['sfdisk', '--json', disk], {okExitCodes: [1]});
  const pt = (dump.stdout.trim() ? (JSON.parse(dump.stdout) as SfdiskJson) : {}).partitiontable;
  const sectorSize = pt?.sectorsize ?? 512;
  const partitions: ReadPartition[] = [];
  for (const p of pt?.partitions ?? []) {
    const number = Number(/(\d+)$/.exec(p.node)?.[1]);
    const probe = await sys.run(
      [
        'blkid',
        '-p',
        '-o',
        'export',
        '-O',
        String(p.start * sectorSize),
        '-S',
        String(p.size * sectorSize),
        disk,
      ],
      {okExitCodes: [2]},
    );
    const tags = new Map(
      probe.stdout
        .split('\n')
        .map((l) => l.split('='))
        .filter((kv): kv is [string, string] => kv.length >= 2)
        .map(([k, ...v]) => [k, v.join('=')] as [string, string]),
    );
    const fsType = tags.get('TYPE');
    const fsLabel = tags.get('LABEL');
    partitions.push({
      number,
      start: p.start,
      end: p.start + p.size - 1,
      name: p.name ?? '',
      ...(fsType ? {fsType} : {}),
      ...(fsLabel ? {fsLabel} : {}),
    });
  }
  return {
    disk,
    label: pt?.label ?? '',
    sectorSize,
    sectors: Math.floor(bytes / sectorSize),
    firstUsable: pt?.firstlba ?? 34,
    partitions,
    isBlockDevice,
  };
}

/** Set partition `number` to `start`..`end` (sectors, inclusive), keeping its type, GUID, name and attributes. */
export async function resizePartition(
  sys: Sys,
  disk: string,
  number: number,
  start: number,
  end: number,
): Promise<void> {
  await sys.run(['sfdisk', '--no-reread', '--no-tell-kernel', '-q', '-N', String(number), disk], {
    input: `${start},${end - start + 1}\n`,
  });
}

/** Add partition `number` at `start`..`end` with a GPT type GUID and name. */
export async function addPartition(
  sys: Sys,
  disk: string,
  p: {number: number; start: number; end: number; type: string; name: string},
): Promise<void> {
  const name = p.name ? `, name="${p.name.replace(/["\\]/g, '')}"` : '';
  await sys.run(['sfdisk', '--no-reread', '--no-tell-kernel', '-q', '--append', disk], {
    input: `start=${p.start}, size=${p.end - p.start + 1}, type=${p.type}${name}\n`,
  });
  // --append numbers the partition itself (the first free slot, as the plan did): check it did.
  const table = await readPartitionTable(sys, disk);
  if (!table.partitions.some((q) => q.number === p.number && q.start === p.start))
    throw new Error(`sfdisk did not add partition ${p.number} at sector ${p.start} of ${disk}`);
}

/** Tell the kernel about partition `number` of a block device: `add` a new one, `update` a resized one. */
export async function informKernel(
  sys: Sys,
  disk: string,
  number: number,
  how: 'add' | 'update',
): Promise<void> {
  await sys.run(['partx', how === 'add' ? '-a' : '-u', '--nr', String(number), disk]);
}

/**
 * The partition's device: `/dev/vda3`, `/dev/nvme0n1p3`; for an image file a loop device over the
 * partition's bytes (detach it with `release`).
 */
export async function partitionDevice(
  sys: Sys,
  table: ReadTable,
  p: {number: number; start: number; end: number},
): Promise<{device: string; release: () => Promise<void>}> {
  if (table.isBlockDevice) {
    const device = /\d$/.test(table.disk) ? `${table.disk}p${p.number}` : `${table.disk}${p.number}`;
    return {device, release: async () => {}};
  }
  const {stdout} = await sys.run([
    'losetup',
    '--find',
    '--show',
    '--offset',
    String(p.start * table.sectorSize),
    '--sizelimit',
    String((p.end - p.start + 1) * table.sectorSize),
    table.disk,
  ]);
  const device = stdout.trim();
  return {device, release: () => sys.detachLoop(device)};
}

/** The disk holding partition `device` (`/dev/vda3` → `/dev/vda`, 3), from sysfs; undefined when it is not a partition. */
export async function parentDisk(
  sys: Sys,
  device: string,
): Promise<{disk: string; number: number} | undefined> {
  const name = device.split('/').at(-1) ?? '';
  // /sys/class/block/vda2 → /sys/devices/…/block/vda/vda2: the parent directory is the disk.
  const real = await sys.realpath(`/sys/class/block/${name}`);
  if (!real) return undefined;
  const number = Number((await sys.readText(`${real}/partition`))?.trim());
  if (!Number.isInteger(number) || number <= 0) return undefined;
  const disk = real.split('/').at(-2);
  return disk ? {disk: `/dev/${disk}`, number} : undefined;
}
