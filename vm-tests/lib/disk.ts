// GPT disks for a boot: a BIOS boot partition (reserved for a later GRUB test), then one
// partition per entry, each holding an ext4 filesystem made with `mkfs.ext4 -d` into its own file
// and copied in with dd at the partition's offset; or an LVM physical volume whose one logical
// volume holds it. No mount is needed, and no device-mapper (the host has none): the LVM metadata
// is written with activation off, through a loop device. Cached by the layout and the hashes of
// what goes in.
import {existsSync} from 'node:fs';
import {link, mkdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {cachedDir, hashFile, hashInputs} from './cache.ts';
import {runBuild} from './exec.ts';
import {timed} from './log.ts';

export type PartitionContent =
  /** An empty ext4 filesystem. */
  | {kind: 'empty'}
  /** ext4 made from files: destination path in the filesystem → source file on the host. */
  | {kind: 'files'; files: Record<string, string>}
  /** An existing filesystem image, copied as is (relabelled when `label` differs). */
  | {kind: 'image'; image: string}
  /** An LVM physical volume with one volume group `vg` and one logical volume `lv` holding `content`. */
  | {kind: 'lvm'; vg: string; lv: string; content: FilesystemContent}
  /** A finished partition filesystem from the cache (a `shared` one), copied in as it is. */
  | {kind: 'prebuilt'; file: string};

/** What a filesystem is made of (everything but a volume manager around it). */
export type FilesystemContent = Exclude<PartitionContent, {kind: 'lvm'} | {kind: 'prebuilt'}>;

export interface PartitionSpec {
  /** Filesystem label (and GPT partition name): COS_OEM, COS_STATE, ... */
  label: string;
  content: PartitionContent;
  /** Free space added to what the content needs. */
  extraMiB?: number;
  /** GPT partition name when it differs from the label (Kairos names them `persistent`, `oem`...). */
  partName?: string;
  /**
   * Build this filesystem once into the cache (`fs-<label>-<key>`) and copy it into every disk that
   * has the same one: COS_STATE and COS_RECOVERY of the standard layout hold the same GiBs of
   * images on six disks, and `mkfs.ext4 -d` writing them was most of each disk's build.
   */
  shared?: boolean;
}

const BIOS_BOOT_TYPE = '21686148-6449-6E6F-744E-656564454649';
const LINUX_FS_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const RECIPE = 'disk-v1';
const SHARED_RECIPE = 'shared-fs-v1';
// LVM's extent size here: the logical volume is a whole number of them.
const EXTENT_MIB = 4;

/** Builds (or finds in the cache) a raw GPT disk with these partitions, in this order. */
export async function buildDisk(name: string, specs: readonly PartitionSpec[]): Promise<string> {
  // Shared filesystems first: each is its own cache entry, built under the build lock, which the
  // disk's own build below holds too (the lock is not reentrant).
  const partitions: PartitionSpec[] = [];
  for (const p of specs) partitions.push(p.shared ? await sharedFilesystem(p) : p);
  const key = hashInputs([RECIPE, name, JSON.stringify(partitions), ...(await contentHashes(partitions))]);
  const dir = await cachedDir(`disk-${name}`, key, (tmp) =>
    timed(`disk ${name}`, () => assemble(tmp, partitions)).then(() => undefined),
  );
  return join(dir, 'disk.raw');
}

async function sharedFilesystem(p: PartitionSpec): Promise<PartitionSpec> {
  const content = p.content;
  if (content.kind === 'lvm' || content.kind === 'prebuilt') return p;
  const key = hashInputs([
    SHARED_RECIPE,
    p.label,
    String(p.extraMiB ?? ''),
    JSON.stringify(content),
    ...(await contentHashes([p])),
  ]);
  const dir = await cachedDir(`fs-${p.label}`, key, async (tmp) => {
    await timed(`filesystem ${p.label}`, () => makeFilesystem(tmp, 0, {...p, content}, join(tmp, 'fs.ext4')));
  });
  const {shared: _, extraMiB: __, ...rest} = p;
  return {...rest, content: {kind: 'prebuilt', file: join(dir, 'fs.ext4')}};
}

// Source files are hashed by path, size and mtime: rehashing multi-GiB images on every run would
// cost more than the disk build; the images themselves live in content-addressed directories.
async function contentHashes(partitions: readonly PartitionSpec[]): Promise<string[]> {
  const sourcesOf = (c: PartitionContent): string[] =>
    c.kind === 'files'
      ? Object.values(c.files)
      : c.kind === 'image'
        ? [c.image]
        : c.kind === 'lvm'
          ? sourcesOf(c.content)
          : c.kind === 'prebuilt'
            ? [c.file]
            : [];
  const sources = partitions.flatMap((p) => sourcesOf(p.content));
  return Promise.all(
    sources.map(async (s) => {
      const st = await stat(s);
      return st.size < 1024 * 1024 ? hashFile(s) : `${s}:${st.size}:${st.mtimeMs}`;
    }),
  );
}

async function assemble(tmp: string, partitions: readonly PartitionSpec[]): Promise<void> {
  const filesystems: Array<{name: string; file: string; sizeMiB: number; cached?: boolean}> = [];
  for (const [i, p] of partitions.entries()) {
    const file = join(tmp, `part${i}.ext4`);
    const c = p.content;
    if (c.kind === 'prebuilt') {
      const sizeMiB = Math.ceil((await stat(c.file)).size / 1024 / 1024);
      filesystems.push({name: p.partName ?? p.label, file: c.file, sizeMiB, cached: true});
      continue;
    }
    const sizeMiB =
      c.kind === 'lvm'
        ? await makeLvmVolume(tmp, i, {...p, content: c.content}, c, file)
        : await makeFilesystem(tmp, i, {...p, content: c}, file);
    filesystems.push({name: c.kind === 'lvm' ? `lvm-${c.vg}` : (p.partName ?? p.label), file, sizeMiB});
  }
  // 1 MiB for the GPT, 1 MiB BIOS boot, the partitions, 1 MiB for the backup GPT.
  const totalMiB = 2 + filesystems.reduce((n, f) => n + f.sizeMiB, 0) + 1;
  const disk = join(tmp, 'disk.raw');
  await runBuild(['truncate', '-s', `${totalMiB}M`, disk]);
  const script = [
    'label: gpt',
    `start=2048, size=2048, type=${BIOS_BOOT_TYPE}, name="BIOS"`,
    ...filesystems.map((f) => `size=${f.sizeMiB * 2048}, type=${LINUX_FS_TYPE}, name="${f.name}"`),
  ].join('\n');
  await runBuild(['sfdisk', '--no-reread', '--no-tell-kernel', disk], {input: `${script}\n`});
  let startMiB = 2;
  for (const f of filesystems) {
    // conv=sparse skips zero blocks, so the disk stays as sparse as the filesystems.
    await runBuild([
      'dd',
      `if=${f.file}`,
      `of=${disk}`,
      'bs=1M',
      `seek=${startMiB}`,
      'conv=notrunc,sparse',
      'status=none',
    ]);
    startMiB += f.sizeMiB;
    if (!f.cached) await rm(f.file);
  }
}

async function makeFilesystem(
  tmp: string,
  index: number,
  p: PartitionSpec & {content: FilesystemContent},
  file: string,
): Promise<number> {
  const extra = p.extraMiB ?? 64;
  const content = p.content;
  if (content.kind === 'image') {
    await runBuild(['cp', '--sparse=always', content.image, file]);
    await runBuild(['tune2fs', '-L', p.label, file]);
    return Math.ceil((await stat(file)).size / 1024 / 1024) + extra;
  }
  const args = ['mkfs.ext4', '-q', '-F', '-L', p.label];
  let needMiB = 0;
  if (content.kind === 'files') {
    const tree = join(tmp, `tree${index}`);
    for (const [dest, source] of Object.entries(content.files)) {
      const target = join(tree, dest);
      await mkdir(dirname(target), {recursive: true});
      // Hard links when the cache and the source share a filesystem; mkfs -d reads them either way.
      await link(source, target).catch(() => runBuild(['cp', '--sparse=always', source, target]));
      needMiB += (await stat(source)).size / 1024 / 1024;
    }
    args.push('-d', tree);
  }
  // ext4 metadata (inode tables, journal) takes a few percent plus a fixed part.
  const sizeMiB = Math.ceil(needMiB * 1.05 + 32 + extra);
  await runBuild([...args, file, `${sizeMiB}M`]);
  const tree = join(tmp, `tree${index}`);
  if (existsSync(tree)) await rm(tree, {recursive: true});
  return sizeMiB;
}

// LVM run on the host for a disk image: its own configuration (no udev, no lock, backup or hints
// files under /etc or /run: a hints file another lvm command left there made lvcreate look at no
// device at all), the one loop device, and --driverloaded n: without device-mapper, lvcreate would
// refuse, and nothing is activated anyway.
const LVM_CONF = `devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 hints = "none" }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
backup { backup = 0 archive = 0 }
`;

/** A physical volume in `file` whose logical volume holds the filesystem `p` describes. */
async function makeLvmVolume(
  tmp: string,
  index: number,
  p: PartitionSpec & {content: FilesystemContent},
  lvm: {vg: string; lv: string},
  file: string,
): Promise<number> {
  const fs = join(tmp, `lv${index}.ext4`);
  const fsMiB = await makeFilesystem(tmp, index, p, fs);
  const lvMiB = Math.ceil(fsMiB / EXTENT_MIB) * EXTENT_MIB;
  // 1 MiB before the first extent (label and metadata), one spare extent.
  const pvMiB = lvMiB + 1 + EXTENT_MIB;
  const conf = join(tmp, `lvm${index}`);
  await mkdir(join(conf, 'lock'), {recursive: true});
  await writeFile(join(conf, 'lvm.conf'), `${LVM_CONF}global { locking_dir = "${join(conf, 'lock')}" }\n`);
  const pv = `${file}.pv`;
  await runBuild(['truncate', '-s', `${pvMiB}M`, pv]);
  const device = (await runBuild(['losetup', '--find', '--show', pv])).trim();
  const env = {LVM_SYSTEM_DIR: conf, LVM_SUPPRESS_FD_WARNINGS: '1'};
  const lvmRun = (args: string[]) => runBuild(['lvm', ...args, '--devices', device], {env});
  let peStart: number;
  try {
    await lvmRun(['pvcreate', '-ff', '-y', device]);
    await lvmRun(['vgcreate', '-s', `${EXTENT_MIB}M`, lvm.vg, device]);
    await lvmRun(['lvcreate', '--driverloaded', 'n', '-an', '-Zn', '-L', `${lvMiB}M`, '-n', lvm.lv, lvm.vg]);
    peStart = Number(
      (await lvmRun(['pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', device])).trim(),
    );
  } finally {
    await runBuild(['losetup', '--detach', device]);
  }
  if (!(peStart > 0)) throw new Error(`pvs gave no first extent for ${pv}`);
  // The only logical volume starts at the first extent and is contiguous.
  await runBuild([
    'dd',
    `if=${fs}`,
    `of=${pv}`,
    'bs=1M',
    `seek=${peStart}`,
    'oflag=seek_bytes',
    'conv=notrunc,sparse',
    'status=none',
  ]);
  await rm(fs);
  await rename(pv, file);
  return pvMiB;
}
