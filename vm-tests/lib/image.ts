// The image set for one immucore binary: the Debian root plus the binary, the dracut module and
// the test agent; its own dracut (run in a chroot) makes the initramfs; mkfs.ext4 -d makes the
// root images active.img (COS_ACTIVE), passive.img (COS_PASSIVE), recovery.img (COS_SYSTEM),
// each marked in /etc/immucore-test-image. Cached by the binary's build (lib/binary-key.ts), the
// module and agent bytes.
import {mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {binaryKey} from './binary-key.ts';
import {cachedDir, hashFile, hashInputs, hashTree} from './cache.ts';
import {buildDebianRoot, type DebianRoot} from './debian-root.ts';
import {runInChroot} from './exec.ts';
import {mebibytes, progress, timed} from './log.ts';
import {MountNamespace} from './namespace.ts';
import {AGENT_DIR, BINARY, DRACUT_MODULE_DIR, OVERLAYS_DIR, REPO} from './paths.ts';
import {checkPrerequisites} from './preflight.ts';

export const ROOT_IMAGES = {active: 'COS_ACTIVE', passive: 'COS_PASSIVE', recovery: 'COS_SYSTEM'} as const;
export type RootImageName = keyof typeof ROOT_IMAGES;

// Bumped when the recipe below changes in a way the hashed inputs do not show.
const RECIPE = 'images-v2';
// Measured: dracut's default zstd level takes ~15 s with the 100 MB binary inside; -3 a few.
const COMPRESS = 'zstd -3';
// Only the drivers a QEMU test machine needs (virtio disk, ext4, loop, overlay): --no-hostonly
// would otherwise pack every storage driver, 35 MiB instead of 16 MiB without immucore, ~5 s more
// dracut time, and a slower unpack under TCG on every boot. A real image keeps dracut's default.
const DRIVERS =
  'virtio_blk virtio_pci virtio_scsi virtio_console virtio_rng sd_mod ahci ext4 vfat loop overlay squashfs';
export const DRACUT_ARGS = ['--force', '--no-hostonly', '--compress', COMPRESS, '--drivers', DRIVERS];
// Kernel modules no test boot loads (GPUs, sound, wireless, ...): 230 of the root's 575 MB, and
// every disk carries three images.
const PRUNED_MODULE_DIRS = [
  'drivers/net',
  'drivers/gpu',
  'drivers/media',
  'drivers/infiniband',
  'drivers/usb',
  'drivers/iio',
  'drivers/staging',
  'drivers/hwmon',
  'drivers/comedi',
  'drivers/mtd',
  'drivers/isdn',
  'drivers/bluetooth',
  'drivers/target',
  'drivers/video',
  'drivers/mmc',
  'sound',
  'net',
];

// Kept next to initrd.img when measured: the benchmark boots it (dracut alone, no immucore).
const WITHOUT_IMMUCORE = 'initrd-without-immucore.img';

export interface ImageSet {
  dir: string;
  kernelVersion: string;
  vmlinuz: string;
  initrd: string;
  /** The same initramfs built with `--omit immucore` (plain dracut), when measured. */
  initrdWithoutImmucore?: string;
  images: Record<RootImageName, string>;
  /** Figures of the build that made this set (copied from the cache on later runs). */
  figures: ImageFigures;
}

export interface ImageFigures {
  dracutSeconds: number;
  initrdBytes: number;
  /** The same initramfs built with `--omit immucore`, when measured. */
  initrdWithoutImmucoreBytes?: number;
  imageBytes: number;
}

export async function buildImageSet(opts: {measureWithoutImmucore?: boolean} = {}): Promise<ImageSet> {
  await checkPrerequisites();
  const root = await buildDebianRoot();
  const inputs = [
    RECIPE,
    ...DRACUT_ARGS,
    configureScript(),
    bootedRootScript(),
    ...PRUNED_MODULE_DIRS,
    root.dir,
    await binaryKey(BINARY),
    await hashTree(DRACUT_MODULE_DIR),
    await hashTree(AGENT_DIR),
    await hashTree(OVERLAYS_DIR),
    await hashFile(join(REPO, 'scripts/install-dracut-module.sh')),
    String(Boolean(opts.measureWithoutImmucore)),
  ];
  const dir = await cachedDir('images', hashInputs(inputs), (tmp) => buildInto(tmp, root, opts));
  const figures = JSON.parse(await readFile(join(dir, 'figures.json'), 'utf8')) as ImageFigures;
  return {
    dir,
    kernelVersion: root.kernelVersion,
    vmlinuz: root.vmlinuz,
    initrd: join(dir, 'initrd.img'),
    ...(figures.initrdWithoutImmucoreBytes === undefined
      ? {}
      : {initrdWithoutImmucore: join(dir, WITHOUT_IMMUCORE)}),
    images: {
      active: join(dir, 'active.img'),
      passive: join(dir, 'passive.img'),
      recovery: join(dir, 'recovery.img'),
    },
    figures,
  };
}

async function buildInto(
  tmp: string,
  root: DebianRoot,
  opts: {measureWithoutImmucore?: boolean},
): Promise<void> {
  const merged = join(tmp, 'merged');
  const upper = join(tmp, 'upper');
  const work = join(tmp, 'overlay-work');
  await mkdir(merged);
  await mkdir(upper);
  await mkdir(work);
  const ns = await MountNamespace.start();
  const chroot = (argv: string[]) => runInChroot(merged, argv, {via: (a, o) => ns.run(a, o)});
  try {
    // An overlay keeps the cached root pristine and costs nothing to set up (a copy is 575 MB).
    await ns.mountOverlay({lower: root.dir, upper, work, merged});
    await ns.run([join(REPO, 'scripts/install-dracut-module.sh'), '--root', merged, '--binary', BINARY]);
    await ns.run(['sh', '-c', configureScript(), merged, AGENT_DIR, OVERLAYS_DIR]);

    const kver = root.kernelVersion;
    const initrdInRoot = `/boot/initramfs-${kver}.img`;
    const dracut = await timed('dracut', () =>
      chroot(['dracut', ...DRACUT_ARGS, '--kver', kver, initrdInRoot]),
    );
    // `merged` is only mounted inside the namespace: every file operation on it goes through ns.
    await ns.run(['cp', join(merged, initrdInRoot), join(tmp, 'initrd.img')]);
    const figures: ImageFigures = {
      dracutSeconds: dracut.seconds,
      initrdBytes: (await stat(join(tmp, 'initrd.img'))).size,
      imageBytes: 0,
    };
    progress(`initramfs ${mebibytes(figures.initrdBytes)}`);
    if (opts.measureWithoutImmucore) {
      await chroot(['dracut', ...DRACUT_ARGS, '--omit', 'immucore', '--kver', kver, '/tmp/without.img']);
      await ns.run(['mv', join(merged, 'tmp/without.img'), join(tmp, WITHOUT_IMMUCORE)]);
      figures.initrdWithoutImmucoreBytes = (await stat(join(tmp, WITHOUT_IMMUCORE))).size;
      progress(`initramfs without immucore ${mebibytes(figures.initrdWithoutImmucoreBytes)}`);
    }

    const modules = join(merged, 'usr/lib/modules', kver, 'kernel');
    await ns.run(['rm', '-rf', ...PRUNED_MODULE_DIRS.map((d) => join(modules, d))]);
    await ns.run(['sh', '-c', bootedRootScript(), merged]);

    const sizeMiB = await imageSizeMiB(ns, merged);
    await timed(`mkfs.ext4 -d x3 (${sizeMiB} MiB each)`, async () => {
      for (const [name, label] of Object.entries(ROOT_IMAGES)) {
        await ns.run(['sh', '-c', 'echo "$1" > "$0/etc/immucore-test-image"', merged, name]);
        await ns.run([
          'mkfs.ext4',
          '-q',
          '-F',
          '-L',
          label,
          '-d',
          merged,
          join(tmp, `${name}.img`),
          `${sizeMiB}M`,
        ]);
      }
    });
    figures.imageBytes = sizeMiB * 1024 * 1024;
    await writeFile(join(tmp, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await ns.stop();
  }
  // The overlay's upper layer is in the images now; keep only the artefacts.
  await rm(merged, {recursive: true, force: true});
  await rm(upper, {recursive: true, force: true});
  await rm(work, {recursive: true, force: true});
}

// Test-image settings on top of Debian: the agent unit, a root without password (emergency shell
// debugging on the serial console), no nohang enabled, the /system tree Kairos images have (the
// live plan waits for /sysroot/system) with the repository's overlays/ in it (the default layout
// cloud-config, /system/oem/05_immucore-layout.yaml), the cloud-configs scenarios name with
// kairos.config_url (/system/immucore-test: reachable as /system from both stages, read only when
// named), and the mountpoints immucore mounts on.
function configureScript(): string {
  return [
    'set -e',
    'root="$0"; agent="$1"; overlays="$2"',
    'cp -R "$overlays/." "$root/"',
    'install -D -m 0644 -t "$root/system/immucore-test" "$agent"/cloud-config/*.yaml',
    'install -D -m 0755 "$agent/immucore-test-agent.sh" "$root/usr/lib/immucore-test/agent.sh"',
    'install -D -m 0755 "$agent/immucore-test-luks.sh" "$root/usr/lib/immucore-test/luks.sh"',
    // The luks scenario's stand-in key server plugin, where Kairos images ship kcrypt's.
    'install -D -m 0755 "$agent/kcrypt-discovery-fake" "$root/system/discovery/kcrypt-discovery-fake"',
    'install -D -m 0644 "$agent/immucore-test-agent.service" "$root/etc/systemd/system/immucore-test-agent.service"',
    'mkdir -p "$root/etc/systemd/system/multi-user.target.wants"',
    'ln -sf ../immucore-test-agent.service "$root/etc/systemd/system/multi-user.target.wants/immucore-test-agent.service"',
    // ./demo.sh: prints what immucore did once the system is up (only with `immucore.demo`).
    'install -D -m 0755 "$agent/immucore-demo.sh" "$root/usr/lib/immucore-test/demo.sh"',
    'install -D -m 0644 "$agent/immucore-demo.service" "$root/etc/systemd/system/immucore-demo.service"',
    'ln -sf ../immucore-demo.service "$root/etc/systemd/system/multi-user.target.wants/immucore-demo.service"',
    'echo immucore-test > "$root/etc/hostname"',
    // Debian enables nohang-desktop; immucore's memory policy enables the one unit it wants, and a
    // Python daemon starting with the agent costs seconds of the single TCG CPU.
    'rm -f "$root"/etc/systemd/system/multi-user.target.wants/nohang*.service',
    // lvm2 and mdadm are in the root for the initramfs (dracut's lvm and mdraid modules); in the
    // booted system lvm2-monitor (dmeventd for mirrors and snapshots, none here) holds up
    // local-fs.target, and with it the agent, by ~9 s of TCG time, and mdadm-shutdown copies mdadm
    // into /run/initramfs for a shutdown no test needs.
    'ln -sf /dev/null "$root/etc/systemd/system/lvm2-monitor.service"',
    'ln -sf /dev/null "$root/etc/systemd/system/mdadm-shutdown.service"',
    // getty-static starts getty@tty2..6 with a systemctl call when dbus is absent: ~35 s of a busy
    // TCG CPU, and under two guests its call timed out in CI and failed the unit (no test needs
    // six gettys; the serial getty and tty1 stay).
    'ln -sf /dev/null "$root/etc/systemd/system/getty-static.service"',
    'sed -i "s/^root:[^:]*:/root::/" "$root/etc/shadow"',
    // Kairos' bootargs.cfg, which its grub.cfg sources from the loop-mounted image: the kernel,
    // the initramfs and the cmdline of a boot through GRUB (the boot assessment scenarios), which
    // reports once immucore-bless.service is done, with `immucore slot status`.
    'k=$(cd "$root/boot" && ls vmlinuz-* | head -n 1)',
    'mkdir -p "$root/etc/cos"',
    `printf '%s\\n' "set kernel=/boot/$k" "set initramfs=/boot/initramfs-\${k#vmlinuz-}.img" 'set kernelcmd="console=ttyS0 root=LABEL=$label cos-img/filename=$img immucore.test.after=immucore-bless.service immucore.test.slot=1 immucore.test.files=/run/cos/upgrade_failure"' > "$root/etc/cos/bootargs.cfg"`,
    'mkdir -p "$root/system/oem" "$root/oem" "$root/usr/local"',
    ': > "$root/etc/fstab"',
    'test -e "$root/etc/os-release"',
  ].join('\n');
}

// What the booted test system skips (after dracut: the initramfs stays Debian's own). Under TCG
// Debian's boot after switch-root took ~80 s, most of it not the agent's work but what ran beside
// it on the one CPU: udev's coldplug loading modules for QEMU's PC hardware (kvm_amd at 156 s,
// the floppy probe, the PC speaker, PS/2 mouse, SMBus, cpufreq) and e2scrub_reap (an `lvs` per
// boot: still running 28 s later, when the agent started). No test reads any of it; immucore's own
// units, systemd's fstab handling, local-fs, journald, udev and nohang stay as Debian ships them.
// A blacklist only stops udev's alias loading: an explicit modprobe still works.
export const SKIPPED_MODULES = [
  'kvm',
  'kvm_amd',
  'kvm_intel',
  'floppy',
  'pcspkr',
  'psmouse',
  'serio_raw',
  'evdev',
  'joydev',
  'i2c_piix4',
  'powernow_k8',
  'acpi_cpufreq',
  'button',
];
export const MASKED_UNITS = [
  'e2scrub_reap.service',
  'e2scrub_all.timer',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'fstrim.timer',
  'systemd-tmpfiles-clean.timer',
];
function bootedRootScript(): string {
  return [
    'set -e',
    'root="$0"',
    'mkdir -p "$root/etc/modprobe.d"',
    `printf 'blacklist %s\\n' ${SKIPPED_MODULES.join(' ')} > "$root/etc/modprobe.d/immucore-test.conf"`,
    ...MASKED_UNITS.map((u) => `ln -sf /dev/null "$root/etc/systemd/system/${u}"`),
  ].join('\n');
}

// The root tree's size plus room for ext4's metadata and a little free space.
async function imageSizeMiB(ns: MountNamespace, tree: string): Promise<number> {
  const kib = Number.parseInt(
    (await ns.run(['du', '-sk', '--one-file-system', tree])).split(/\s/)[0] ?? '0',
    10,
  );
  return Math.ceil(((kib / 1024) * 1.15) / 16) * 16 + 96;
}
