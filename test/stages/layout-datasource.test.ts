// `layout` and `datasource` for real: a GPT image file that grew since it was made (its backup
// table no longer at the end) gets its last partition and ext4 grown to the end with the data
// kept; add_partitions makes labelled filesystems in free space and refuses free space holding an
// old filesystem; a `cidata` vfat medium on a loop device gives user data that the same stage's
// next part applies. Each second run changes nothing. (The host kernel does not scan loop devices'
// partition tables, so the grow of a partition the kernel knows is proven in QEMU, not here.)
import fs from 'node:fs/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {CloudConfigStages} from '../../src/stages/runner.ts';
import {stageContext} from '../fakes/stage-context.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const t = withTempRoot();
const MiB = 2048;

/** A 64 MiB GPT image: partition 1 (8 MiB, empty), partition 2 COS_PERSISTENT (16 MiB ext4 with a file); then grown to `grownMiB`. */
async function makeDisk(file: string, grownMiB: number, opts: {second?: boolean} = {}): Promise<void> {
  await execa('truncate', ['-s', '64M', file]);
  const parts = [`start=${MiB}, size=${8 * MiB}, name=oem`];
  if (opts.second !== false) parts.push(`start=${9 * MiB}, size=${16 * MiB}, name=persistent`);
  await execa('sfdisk', ['-q', file], {input: `label: gpt\n${parts.join('\n')}\n`});
  if (opts.second !== false) {
    const content = t.path('../persistent-content');
    await fs.mkdir(content, {recursive: true});
    await fs.writeFile(`${content}/kept.txt`, 'user data\n');
    const fsImg = `${t.base}/persistent.ext4`;
    await execa('mkfs.ext4', ['-q', '-L', 'COS_PERSISTENT', '-d', content, fsImg, '16M']);
    await execa('dd', [`if=${fsImg}`, `of=${file}`, `bs=1M`, `seek=9`, 'conv=notrunc', 'status=none']);
  }
  await execa('truncate', ['-s', `${grownMiB}M`, file]);
}

async function table(file: string) {
  const {stdout} = await execa('sfdisk', ['--json', file]);
  return (
    JSON.parse(stdout) as {
      partitiontable: {lastlba: number; partitions: Array<{start: number; size: number; name?: string}>};
    }
  ).partitiontable;
}

/** Run `argv` on partition `n`'s bytes through a loop device at its offset. */
async function onPartition(file: string, n: number, argv: string[]) {
  const p = (await table(file)).partitions[n - 1];
  if (!p) throw new Error(`no partition ${n}`);
  const {stdout: loop} = await execa('losetup', [
    '--find',
    '--show',
    '--offset',
    String(p.start * 512),
    '--sizelimit',
    String(p.size * 512),
    file,
  ]);
  try {
    return await execa(argv[0] as string, [...argv.slice(1), loop.trim()], {reject: false});
  } finally {
    await execa('losetup', ['-d', loop.trim()], {reject: false});
  }
}

async function runRootfs() {
  const ctx = stageContext(t.sys);
  await new CloudConfigStages().runStage('rootfs', ctx);
  return ctx;
}

describe('layout', () => {
  it('grows the last partition and its ext4 to the end of a grown disk, keeps the data, and a second run changes nothing', async () => {
    const disk = t.path('disk.img');
    await makeDisk(disk, 128);
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/00_layout.yaml'),
      `name: layout\nstages:\n  rootfs.before:\n    - name: grow\n      layout:\n        device:\n          path: /disk.img\n        expand_partition:\n          size: 0\n`,
    );
    const first = await runRootfs();
    expect(first.failures).toEqual([]);
    const grown = await table(disk);
    expect(grown.lastlba).toBe(128 * MiB - 34);
    expect(grown.partitions[1]).toMatchObject({
      start: 9 * MiB,
      size: 128 * MiB - 34 - 9 * MiB + 1,
      name: 'persistent',
    });
    expect(grown.partitions[0]).toMatchObject({start: MiB, size: 8 * MiB, name: 'oem'});
    expect((await onPartition(disk, 2, ['e2fsck', '-fn'])).exitCode).toBe(0);
    const dump = (await onPartition(disk, 2, ['dumpe2fs', '-h'])).stdout;
    const blocks = Number(/Block count:\s+(\d+)/.exec(dump)?.[1]);
    const blockSize = Number(/Block size:\s+(\d+)/.exec(dump)?.[1]);
    // The 16 MiB ext4 now fills the 118.98 MiB partition (resize2fs leaves under 64 KiB of rounding).
    const partitionBytes = (128 * MiB - 34 - 9 * MiB + 1) * 512;
    expect(blocks * blockSize).toBeLessThanOrEqual(partitionBytes);
    expect(blocks * blockSize).toBeGreaterThan(partitionBytes - 64 * 1024);
    expect((await onPartition(disk, 2, ['debugfs', '-R', 'cat /kept.txt'])).stdout).toBe('user data');

    const before = (await execa('sfdisk', ['-d', disk])).stdout;
    const again = await runRootfs();
    expect(again.failures).toEqual([]);
    expect((await execa('sfdisk', ['-d', disk])).stdout).toBe(before);
    expect((await onPartition(disk, 2, ['dumpe2fs', '-h'])).stdout).toContain(
      `Block count:              ${blocks}`,
    );
  });

  it('refuses to shrink, naming the partition and sizes, and leaves the table alone', async () => {
    const disk = t.path('disk.img');
    await makeDisk(disk, 128);
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/00_layout.yaml'),
      `stages:\n  rootfs:\n    - name: shrink\n      layout:\n        device: {path: /disk.img}\n        expand_partition: {size: 8}\n`,
    );
    const before = (await execa('sfdisk', ['-d', disk])).stdout;
    const ctx = await runRootfs();
    expect(ctx.failures.map((f) => f.message)).toEqual([
      expect.stringContaining('size 8 MiB is smaller than partition 2 of'),
    ]);
    expect(ctx.failures[0]?.message).toContain('layout never shrinks');
    expect((await execa('sfdisk', ['-d', disk])).stdout).toBe(before);
  });

  it('adds labelled partitions in free space, once', async () => {
    const disk = t.path('disk.img');
    await makeDisk(disk, 64, {second: false});
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/00_layout.yaml'),
      `stages:\n  rootfs:\n    - name: add\n      layout:\n        device: {path: /disk.img}\n        add_partitions:\n          - {fsLabel: COS_EXTRA, pLabel: extra, size: 16, filesystem: ext4}\n          - {fsLabel: SWAPX, size: 8, filesystem: swap}\n`,
    );
    const first = await runRootfs();
    expect(first.failures).toEqual([]);
    const added = await table(disk);
    expect(added.partitions.map((p) => [p.start, p.size, p.name ?? ''])).toEqual([
      [MiB, 8 * MiB, 'oem'],
      [9 * MiB, 16 * MiB, 'extra'],
      [25 * MiB, 8 * MiB, ''],
    ]);
    expect((await onPartition(disk, 2, ['blkid', '-p', '-o', 'export'])).stdout).toMatch(
      /LABEL=COS_EXTRA[\s\S]*TYPE=ext4/,
    );
    expect((await onPartition(disk, 3, ['blkid', '-p', '-o', 'export'])).stdout).toMatch(
      /LABEL=SWAPX[\s\S]*TYPE=swap/,
    );
    const before = (await execa('sfdisk', ['-d', disk])).stdout;
    const again = await runRootfs();
    expect(again.failures).toEqual([]);
    expect((await execa('sfdisk', ['-d', disk])).stdout).toBe(before);
  });

  it('never adds or formats over an old filesystem left in the free space', async () => {
    const disk = t.path('disk.img');
    await makeDisk(disk, 64, {second: false});
    const old = `${t.base}/old.ext4`;
    await execa('mkfs.ext4', ['-q', '-L', 'OLD', old, '4M']);
    await execa('dd', [`if=${old}`, `of=${disk}`, 'bs=1M', 'seek=9', 'conv=notrunc', 'status=none']);
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/00_layout.yaml'),
      `stages:\n  rootfs:\n    - name: add\n      layout:\n        device: {path: /disk.img}\n        add_partitions: [{fsLabel: NEW, size: 16, filesystem: ext4}]\n`,
    );
    const before = (await execa('sfdisk', ['-d', disk])).stdout;
    const ctx = await runRootfs();
    expect(ctx.failures[0]?.message).toContain('holds ext4; not adding nor formatting it');
    expect((await execa('sfdisk', ['-d', disk])).stdout).toBe(before);
    const {stdout} = await execa('blkid', [
      '-p',
      '-o',
      'value',
      '-s',
      'LABEL',
      '-O',
      String(9 * MiB * 512),
      disk,
    ]);
    expect(stdout.trim()).toBe('OLD');
  });
});

describe('datasource', () => {
  it('the file provider: user data kept raw and as a cloud-config under /run/config, not rewritten the second time', async () => {
    const userData = `#cloud-config\nstages:\n  boot:\n    - name: from user data\n      hostname: cidata-host\n`;
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.mkdir(t.path('srv'), {recursive: true});
    await fs.writeFile(t.path('srv/user-data'), userData);
    await fs.writeFile(
      t.path('oem/00_datasource.yaml'),
      `stages:\n  rootfs.before:\n    - name: pull\n      datasource:\n        providers: [aws, cdrom, file, gcp]\n        path: /srv/user-data\n`,
    );
    const first = await runRootfs();
    expect(first.failures).toEqual([]);
    expect(first.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('datasource providers aws, gcp need the network'),
    ]);
    expect(await fs.readFile(t.path('run/config/userdata'), 'utf8')).toBe(userData);
    expect(await fs.readFile(t.path('run/config/userdata.yaml'), 'utf8')).toBe(userData);
    const mtime = (await fs.stat(t.path('run/config/userdata.yaml'))).mtimeMs;
    const again = await runRootfs();
    expect(again.failures).toEqual([]);
    expect((await fs.stat(t.path('run/config/userdata.yaml'))).mtimeMs).toBe(mtime);
  });

  it('finds a cidata medium by label and mounts it read-only as iso9660 or vfat (or names why not)', async () => {
    const medium = `${t.images}/cidata.img`;
    await execa('mkfs.vfat', ['-n', 'cidata', '-C', medium, '2048']);
    const hasVfat = /\tvfat$/m.test(await fs.readFile('/proc/filesystems', 'utf8'));
    const userData = `#cloud-config\nstages:\n  rootfs:\n    - name: from user data\n      hostname: cidata-host\n`;
    if (hasVfat) {
      const mnt = `${t.base}/cidata-mnt`;
      await fs.mkdir(mnt);
      await execa('mount', ['-o', 'loop', medium, mnt]);
      await fs.writeFile(`${mnt}/user-data`, userData);
      await execa('umount', [mnt]);
    }
    const loop = await t.attachLoop(medium);
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/00_datasource.yaml'),
      `stages:\n  rootfs.before:\n    - name: pull\n      datasource:\n        providers: [cdrom]\n        path: /oem\n`,
    );
    const ctx = await runRootfs();
    if (hasVfat) {
      // Pulled in rootfs.before, applied by rootfs (the sources are read again for each part).
      expect(ctx.failures).toEqual([]);
      expect(await fs.readFile(t.path('oem/userdata.yaml'), 'utf8')).toBe(userData);
      expect(await fs.readFile(t.path('etc/hostname'), 'utf8')).toBe('cidata-host\n');
    } else {
      // This host's kernel has neither iso9660 nor vfat: the medium is found, the failure says why.
      expect(ctx.failures.map((f) => f.message)).toEqual([
        expect.stringContaining(`datasource: cannot mount ${loop} as iso9660 or vfat`),
      ]);
    }
    expect((await fs.readFile('/proc/self/mountinfo', 'utf8')).includes('/run/immucore/datasource')).toBe(
      false,
    );
  });

  it('logs and goes on when no medium is there (yip fails the step)', async () => {
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/00_datasource.yaml'),
      `stages:\n  rootfs:\n    - name: pull\n      datasource:\n        providers: [cdrom, config-drive]\n        path: /oem\n`,
    );
    const ctx = await runRootfs();
    expect(ctx.failures).toEqual([]);
    expect(ctx.warnings).toEqual([]);
    await expect(fs.access(t.path('oem/userdata'))).rejects.toThrow(/ENOENT/);
  });
});
