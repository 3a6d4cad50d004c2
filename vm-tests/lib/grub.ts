// Disks that boot through a real GRUB (BIOS, i386-pc) for the boot assessment scenarios: the
// standard layout plus, on COS_STATE, Kairos' entry layout (vm-tests/grub/grub.cfg), its
// /grubcustom hook, our snippet (overlays/system/immucore/grub_boot_assessment) and the 1024-byte
// /boot_assessment block; COS_OEM holds /grubenv (timeout=1).
//
// Why BIOS: the disks already have a BIOS boot partition, SeaBIOS is QEMU's default firmware (no
// OVMF image, no ESP, no mtools), and GRUB's script, save_env and loopback are the same code on
// both platforms. GRUB is installed by hand, as grub-bios-setup would: core.img (grub-mkimage, the
// modules the scripts use built in, an early config that finds COS_STATE and puts GRUB on the
// serial console) into the BIOS boot partition with its block list pointing at itself, and
// boot.img into the MBR's code area pointing at core.img. grub-bios-setup itself wants the GRUB
// directory on a mounted disk it can name, which a disk image built without mounts does not have.
import {open, readFile, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {applyEnvChanges, createEnvBlock, renderEnvBlock} from '../../src/assess/grubenv.ts';
import {cachedDir, hashFile, hashInputs} from './cache.ts';
import {buildDisk, type PartitionSpec} from './disk.ts';
import {runBuild} from './exec.ts';
import {standardLayout} from './fixtures.ts';
import type {ImageSet} from './image.ts';
import {REPO} from './paths.ts';

const GRUB_DIR = join(REPO, 'vm-tests/grub');
const SNIPPET = join(REPO, 'overlays/system/immucore/grub_boot_assessment');
const PC_MODULES = '/usr/lib/grub/i386-pc';
// What grub.cfg, grubcustom and the snippet call: built into core.img, so no module directory.
const MODULES = [
  'biosdisk',
  'part_gpt',
  'ext2',
  'normal',
  'configfile',
  'search',
  'search_label',
  'search_fs_file',
  'loopback',
  'linux',
  'test',
  'loadenv',
  'echo',
  'serial',
  'terminal',
];
const BIOS_BOOT_SECTOR = 2048;

export interface AssessmentDiskOptions {
  /** Names the cached disk. */
  name: string;
  /** Root images in place of the standard ones (a broken active). */
  active?: string;
  passive?: string;
  /** The variables of COS_STATE:/boot_assessment (e.g. what `immucore slot set-next` writes). */
  block: Record<string, string>;
}

/** The standard disk, bootable by GRUB with Kairos' entries and the assessment snippet. */
export async function buildAssessmentDisk(images: ImageSet, opts: AssessmentDiskOptions): Promise<string> {
  const files = join(
    await cachedDir(
      `grub-files-${opts.name}`,
      hashInputs([JSON.stringify(opts.block), await hashFile(SNIPPET)]),
      async (dir) => {
        const block = applyEnvChanges(createEnvBlock(), Object.entries(opts.block));
        await writeFile(join(dir, 'boot_assessment'), renderEnvBlock(block), 'latin1');
        await writeFile(
          join(dir, 'grubenv'),
          renderEnvBlock(applyEnvChanges(createEnvBlock(), [['timeout', '1']])),
          'latin1',
        );
      },
    ),
  );
  const state: PartitionSpec = {
    label: 'COS_STATE',
    content: {
      kind: 'files',
      files: {
        'cOS/active.img': opts.active ?? images.images.active,
        'cOS/passive.img': opts.passive ?? images.images.passive,
        'grub2/grub.cfg': join(GRUB_DIR, 'grub.cfg'),
        grubcustom: join(GRUB_DIR, 'grubcustom'),
        grub_boot_assessment: SNIPPET,
        boot_assessment: join(files, 'boot_assessment'),
      },
    },
  };
  const oem: PartitionSpec = {
    label: 'COS_OEM',
    content: {kind: 'files', files: {grubenv: join(files, 'grubenv')}},
  };
  const raw = await buildDisk(
    `assess-${opts.name}`,
    standardLayout(images, {COS_STATE: state, COS_OEM: oem}),
  );
  const key = hashInputs([raw, await hashFile(join(GRUB_DIR, 'early.cfg')), MODULES.join(' ')]);
  const dir = await cachedDir(`grub-disk-${opts.name}`, key, async (tmp) => {
    const disk = join(tmp, 'disk.raw');
    await runBuild(['cp', '--sparse=always', raw, disk]);
    await installGrub(tmp, disk);
  });
  return join(dir, 'disk.raw');
}

/** grub-bios-setup's work on a disk image: core.img embedded in the BIOS boot partition, boot.img in the MBR. */
async function installGrub(tmp: string, disk: string): Promise<void> {
  const coreFile = join(tmp, 'core.img');
  await runBuild([
    'grub-mkimage',
    '-O',
    'i386-pc',
    '-o',
    coreFile,
    '-c',
    join(GRUB_DIR, 'early.cfg'),
    '-p',
    '/grub2',
    ...MODULES,
  ]);
  const core = await readFile(coreFile);
  const sectors = Math.ceil(core.length / 512);
  if (sectors > 2048) throw new Error(`core.img is ${sectors} sectors, the BIOS boot partition 2048`);
  // diskboot.img (core.img's first sector) loads the rest from the block list at its end:
  // start (u64), sector count (u16), load segment (u16, left as grub-mkimage made it).
  core.writeBigUInt64LE(BigInt(BIOS_BOOT_SECTOR + 1), 500);
  core.writeUInt16LE(sectors - 1, 508);
  const boot = await readFile(join(PC_MODULES, 'boot.img'));
  const mbr = Buffer.alloc(512);
  const fh = await open(disk, 'r+');
  try {
    await fh.read(mbr, 0, 512, 0);
    // The code area from boot.img; the disk signature and the protective MBR's table stay.
    boot.copy(mbr, 0, 0, 0x1b8);
    mbr.writeBigUInt64LE(BigInt(BIOS_BOOT_SECTOR), 0x5c); // where core.img starts
    mbr[0x66] = 0x90; // a hard disk: the floppy drive check jump becomes two nops
    mbr[0x67] = 0x90;
    await fh.write(mbr, 0, 512, 0);
    const padded = Buffer.alloc(sectors * 512);
    core.copy(padded);
    await fh.write(padded, 0, padded.length, BIOS_BOOT_SECTOR * 512);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * A copy of a root image whose init exits 1, so the kernel panics right after switch-root (and
 * `panic=5` reboots). Both paths are replaced: systemd's switch-root without an init argument
 * re-executes its own binary (/usr/lib/systemd/systemd) in the new root rather than /sbin/init,
 * as the first run of scenario (b) showed (the image with only /usr/sbin/init broken booted).
 */
export async function buildBrokenInitImage(image: string, label: string): Promise<string> {
  const key = hashInputs([image, String((await stat(image)).mtimeMs), 'systemd-and-sbin-init']);
  const dir = await cachedDir(`broken-init-${label}`, key, async (tmp) => {
    const out = join(tmp, 'root.img');
    await runBuild(['cp', '--sparse=always', image, out]);
    const script = join(tmp, 'init');
    await writeFile(
      script,
      '#!/bin/sh\necho "immucore-test: this image\'s /sbin/init is broken" > /dev/console\nexit 1\n',
    );
    const replace = (path: string) => [`rm ${path}`, `write ${script} ${path}`, `sif ${path} mode 0100755`];
    await runBuild(['debugfs', '-w', '-f', '-', out], {
      input: [...replace('/usr/sbin/init'), ...replace('/usr/lib/systemd/systemd'), ''].join('\n'),
    });
  });
  return join(dir, 'root.img');
}

/**
 * A copy of a root image that boots but is unhealthy: a unit in multi-user.target fails, so
 * immucore-health-check.service fails boot-complete.target. The image's
 * /etc/default/immucore-assessment (the documented config) sets a 1 s grace before the fallback
 * reboot, and the test agent is not enabled in it: the agent would power the guest off before
 * the health check ran; it reports from the boot that follows. Drop-ins (test only) write a
 * kernel-timestamped line to /dev/kmsg as the failing unit, the health check and the fallback
 * start and end, so the test can say where the unhealthy boot's time goes (UNHEALTHY_MARKS).
 */
export const UNHEALTHY_MARKED_UNITS = [
  'immucore-test-unhealthy.service',
  'immucore-health-check.service',
  'immucore-fallback.service',
] as const;
// `$$` is systemd's escape for a literal `$`: the shell, not systemd, expands these.
const UNHEALTHY_MARK_DROPIN = [
  '[Service]',
  `ExecStartPre=/bin/sh -c 'echo "immucore-test-mark: $$0 starts" > /dev/kmsg' %n`,
  `ExecStopPost=/bin/sh -c 'echo "immucore-test-mark: $$0 ends ($$SERVICE_RESULT)" > /dev/kmsg' %n`,
  '',
].join('\n');
/** `[<kernel time>] immucore-test-mark: <unit> starts|ends (<result>)`, as the console shows them. */
export const UNHEALTHY_MARKS =
  /\[\s*(\d+\.\d+)\] immucore-test-mark: (\S+) (starts|ends)(?: \(([\w-]+)\))?/gm;

export async function buildUnhealthyImage(image: string, label: string): Promise<string> {
  const key = hashInputs([image, String((await stat(image)).mtimeMs), 'usr-lib-unit-kmsg-marks']);
  const dir = await cachedDir(`unhealthy-${label}`, key, async (tmp) => {
    const out = join(tmp, 'root.img');
    await runBuild(['cp', '--sparse=always', image, out]);
    const unit = join(tmp, 'unit');
    await writeFile(
      unit,
      [
        '[Unit]',
        'Description=immucore-test: a unit that fails, so this image is unhealthy',
        '[Service]',
        'Type=oneshot',
        `ExecStart=/bin/sh -c 'echo "immucore-test: this image is unhealthy" > /dev/console; exit 1'`,
        '',
      ].join('\n'),
    );
    const config = join(tmp, 'assessment');
    await writeFile(config, 'IMMUCORE_HEALTH_UNITS=*\nIMMUCORE_FALLBACK_GRACE_SEC=1\n');
    // The unit and the drop-ins go under /usr/lib (the image's own, read-only), not /etc/systemd:
    // /etc/systemd is a persistent path, seeded from the first image booted, so a unit put there
    // would follow the system into passive and fail it too (the first green-looking run did).
    const system = '/usr/lib/systemd/system';
    const marks = join(tmp, 'marks.conf');
    await writeFile(marks, UNHEALTHY_MARK_DROPIN);
    const dropIn = (unit: string) => [
      `mkdir ${system}/${unit}.d`,
      `write ${marks} ${system}/${unit}.d/immucore-test-marks.conf`,
      `sif ${system}/${unit}.d/immucore-test-marks.conf mode 0100644`,
    ];
    await runBuild(['debugfs', '-w', '-f', '-', out], {
      input: [
        ...UNHEALTHY_MARKED_UNITS.flatMap(dropIn),
        `write ${unit} ${system}/immucore-test-unhealthy.service`,
        `sif ${system}/immucore-test-unhealthy.service mode 0100644`,
        `mkdir ${system}/multi-user.target.wants`,
        `symlink ${system}/multi-user.target.wants/immucore-test-unhealthy.service ../immucore-test-unhealthy.service`,
        'rm /etc/systemd/system/multi-user.target.wants/immucore-test-agent.service',
        'rm /etc/default/immucore-assessment',
        `write ${config} /etc/default/immucore-assessment`,
        'sif /etc/default/immucore-assessment mode 0100644',
        '',
      ].join('\n'),
    });
  });
  return join(dir, 'root.img');
}
