// `layout`: grow the last partition of a disk (and its ext2/3/4) and add partitions in its free
// space, as yip's layout plugin. The plan (src/stages/layout-plan.ts) decides; this applies it: table
// edits with sfdisk, the kernel told with partx, resize2fs online when the filesystem is mounted
// (e2fsck -f first when it is not, as resize2fs requires), mkfs on added partitions only after
// blkid found nothing on them.
import {
  addPartition,
  informKernel,
  parentDisk,
  partitionDevice,
  type ReadTable,
  readPartitionTable,
  resizePartition,
} from '../../sys/partition-table.ts';
import {GROWABLE_FS, type LayoutAction, LayoutRefusal, type LayoutSpec, planLayout} from '../layout-plan.ts';
import type {StepEnv} from '../step-env.ts';

const NEW_PARTITION_WAIT_MS = 10_000;

export async function applyLayout(env: StepEnv, spec: LayoutSpec): Promise<void> {
  const {sys} = env.view;
  await needTools(env, ['sfdisk', 'blkid', 'stat']);
  const {disk, target} = await findDisk(env, spec);
  const table = await readPartitionTable(sys, disk);
  let plan: ReturnType<typeof planLayout>;
  try {
    plan = planLayout(spec, table, target);
  } catch (err) {
    if (err instanceof LayoutRefusal) throw new Error(`${err.message}. Try: ${err.hint}`);
    throw err;
  }
  for (const note of plan.notes) env.log.info(`layout: ${note}`);
  for (const action of plan.actions) {
    if (action.kind === 'add') await add(env, table, action);
    else await grow(env, table, action);
  }
}

async function findDisk(env: StepEnv, spec: LayoutSpec): Promise<{disk: string; target?: number}> {
  const {sys} = env.view;
  if (spec.device.path) {
    const p = spec.device.path;
    // Devices are the machine's; another path (an image file) is seen from the stage's root.
    const disk = p.startsWith('/dev/') ? p : sys.resolvePath(await env.view.resolve(p));
    if (!(await sys.run(['stat', '-L', disk], {okExitCodes: [1]})).exitCode) return {disk};
    throw new Error(`layout: device.path ${p} does not exist. Try: name the disk, e.g. /dev/vda`);
  }
  const label = spec.device.label as string;
  const device = await sys.findDevice(`LABEL=${label}`);
  if (!device)
    throw new Error(
      `layout: no filesystem labelled ${label}. Try: check the label with blkid, or give device.path`,
    );
  const parent = await parentDisk(sys, device);
  if (!parent)
    throw new Error(
      `layout: ${label} is on ${device}, which is not a disk partition (a whole disk, LUKS or LVM); layout edits partition tables only`,
    );
  return {disk: parent.disk, target: parent.number};
}

async function grow(env: StepEnv, table: ReadTable, a: Extract<LayoutAction, {kind: 'grow'}>): Promise<void> {
  const {sys} = env.view;
  const mib = (s: number) => Math.floor((s * table.sectorSize) / (1024 * 1024));
  env.log.info(
    `layout: growing partition ${a.number} of ${table.disk} from ${mib(a.from - a.start + 1)} MiB to ${mib(a.end - a.start + 1)} MiB`,
  );
  await resizePartition(sys, table.disk, a.number, a.start, a.end);
  if (table.isBlockDevice) {
    await needTools(env, ['partx']);
    await informKernel(sys, table.disk, a.number, 'update');
  }
  if (!a.fsType || !GROWABLE_FS.includes(a.fsType)) return;
  await needTools(env, ['resize2fs', 'e2fsck']);
  const {device, release} = await partitionDevice(sys, table, a);
  try {
    const mounted = (await sys.listMounts()).some((m) => m.source === device);
    // resize2fs grows a mounted ext4 online; an unmounted one it wants checked first.
    if (!mounted) await sys.run(['e2fsck', '-f', '-p', device], {okExitCodes: [1]});
    await sys.run(['resize2fs', device]);
    env.log.info(`layout: ${a.fsType} on ${device} grown${mounted ? ' online' : ''}`);
  } finally {
    await release();
  }
}

async function add(env: StepEnv, table: ReadTable, a: Extract<LayoutAction, {kind: 'add'}>): Promise<void> {
  const {sys} = env.view;
  if (a.mkfs) await needTools(env, [mkfsTool(a.mkfs)]);
  // "Free" space may hold an old filesystem: we never format over data, and then not add either.
  const held = await probeAt(env, table, a);
  if (held)
    throw new Error(
      `layout: the free space for partition ${a.number} of ${table.disk} (sectors ${a.start}-${a.end}) holds ${held}; not adding nor formatting it. Try: wipe it by hand (wipefs) if it is not needed`,
    );
  env.log.info(`layout: adding partition ${a.number} (${a.name || a.fsLabel || 'no name'}) to ${table.disk}`);
  await addPartition(sys, table.disk, a);
  if (table.isBlockDevice) {
    await needTools(env, ['partx']);
    await informKernel(sys, table.disk, a.number, 'add');
  }
  if (!a.mkfs) return;
  const {device, release} = await partitionDevice(sys, table, a);
  try {
    if (table.isBlockDevice) await sys.waitForDevice(device, {timeoutMs: NEW_PARTITION_WAIT_MS});
    await sys.run(mkfsArgv(a.mkfs, device, a.fsLabel));
    env.log.info(`layout: ${a.mkfs} made on ${device}${a.fsLabel ? ` labelled ${a.fsLabel}` : ''}`);
  } finally {
    await release();
  }
}

/** What blkid finds in the sectors of a partition to be: a filesystem type, or undefined. */
async function probeAt(
  env: StepEnv,
  table: ReadTable,
  p: {start: number; end: number},
): Promise<string | undefined> {
  const {stdout} = await env.view.sys.run(
    [
      'blkid',
      '-p',
      '-o',
      'value',
      '-s',
      'TYPE',
      '-O',
      String(p.start * table.sectorSize),
      '-S',
      String((p.end - p.start + 1) * table.sectorSize),
      table.disk,
    ],
    {okExitCodes: [2]},
  );
  return stdout.trim() || undefined;
}

function mkfsTool(fs: string): string {
  return fs === 'swap' ? 'mkswap' : `mkfs.${fs}`;
}

function mkfsArgv(fs: string, device: string, label?: string): string[] {
  const l = (flag: string) => (label ? [flag, label] : []);
  switch (fs) {
    case 'swap':
      return ['mkswap', ...l('-L'), device];
    case 'vfat':
      return ['mkfs.vfat', ...l('-n'), device];
    case 'xfs':
    case 'btrfs':
      return [`mkfs.${fs}`, '-f', ...l('-L'), device];
    default:
      return [`mkfs.${fs}`, '-q', ...l('-L'), device];
  }
}

async function needTools(env: StepEnv, tools: string[]): Promise<void> {
  for (const t of tools)
    if (!(await env.view.sys.findTool(t)))
      throw new Error(`layout needs ${t}, which this system does not have. Try: add ${t} to the initramfs`);
}
