// GPT disks for a boot: a BIOS boot partition (reserved for a later GRUB test), then one
// partition per entry, each holding an ext4 filesystem made with `mkfs.ext4 -d` into its own file
// and copied in with dd at the partition's offset. No loop device or mount is needed, so the disk
// builds anywhere the tools run. Cached by the layout and the hashes of what goes in.
import {existsSync} from 'node:fs';
import {link, mkdir, rm, stat} from 'node:fs/promises';
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
  | {kind: 'image'; image: string};

export interface PartitionSpec {
  /** Filesystem label (and GPT partition name): COS_OEM, COS_STATE, ... */
  label: string;
  content: PartitionContent;
  /** Free space added to what the content needs. */
  extraMiB?: number;
}

const BIOS_BOOT_TYPE = '21686148-6449-6E6F-744E-656564454649';
const LINUX_FS_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const RECIPE = 'disk-v1';

/** Builds (or finds in the cache) a raw GPT disk with these partitions, in this order. */
export async function buildDisk(name: string, partitions: readonly PartitionSpec[]): Promise<string> {
  const key = hashInputs([RECIPE, name, JSON.stringify(partitions), ...(await contentHashes(partitions))]);
  const dir = await cachedDir(`disk-${name}`, key, (tmp) =>
    timed(`disk ${name}`, () => assemble(tmp, partitions)).then(() => undefined),
  );
  return join(dir, 'disk.raw');
}

// Source files are hashed by path, size and mtime: rehashing multi-GiB images on every run would
// cost more than the disk build; the images themselves live in content-addressed directories.
async function contentHashes(partitions: readonly PartitionSpec[]): Promise<string[]> {
  const sources = partitions.flatMap((p) =>
    p.content.kind === 'files'
      ? Object.values(p.content.files)
      : p.content.kind === 'image'
        ? [p.content.image]
        : [],
  );
  return Promise.all(
    sources.map(async (s) => {
      const st = await stat(s);
      return st.size < 1024 * 1024 ? hashFile(s) : `${s}:${st.size}:${st.mtimeMs}`;
    }),
  );
}

async function assemble(tmp: string, partitions: readonly PartitionSpec[]): Promise<void> {
  const filesystems: Array<{label: string; file: string; sizeMiB: number}> = [];
  for (const [i, p] of partitions.entries()) {
    const file = join(tmp, `part${i}.ext4`);
    const sizeMiB = await makeFilesystem(tmp, i, p, file);
    filesystems.push({label: p.label, file, sizeMiB});
  }
  // 1 MiB for the GPT, 1 MiB BIOS boot, the partitions, 1 MiB for the backup GPT.
  const totalMiB = 2 + filesystems.reduce((n, f) => n + f.sizeMiB, 0) + 1;
  const disk = join(tmp, 'disk.raw');
  await runBuild(['truncate', '-s', `${totalMiB}M`, disk]);
  const script = [
    'label: gpt',
    `start=2048, size=2048, type=${BIOS_BOOT_TYPE}, name="BIOS"`,
    ...filesystems.map((f) => `size=${f.sizeMiB * 2048}, type=${LINUX_FS_TYPE}, name="${f.label}"`),
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
    await rm(f.file);
  }
}

async function makeFilesystem(tmp: string, index: number, p: PartitionSpec, file: string): Promise<number> {
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
