// The Debian bookworm root every test image is made from: debootstrap minbase plus systemd, udev,
// dracut and Debian's kernel. Cached by its recipe; nothing of immucore is in it, so a rebuilt
// binary never re-runs debootstrap (the slow part: minutes, mostly downloads).
import {existsSync} from 'node:fs';
import {readdir, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {cachedDir, hashInputs} from './cache.ts';
import {runBuild, runInChroot} from './exec.ts';
import {timed} from './log.ts';

export const SUITE = 'bookworm';
export const MIRROR = process.env.IMMUCORE_VM_MIRROR ?? 'http://deb.debian.org/debian';

// Installed by debootstrap itself. dracut comes here rather than with the kernel so apt already
// has a linux-initramfs-tool when it resolves linux-image's "initramfs-tools | linux-initramfs-tool"
// (debootstrap's own resolver would take initramfs-tools, which conflicts with dracut).
const DEBOOTSTRAP_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'udev',
  'kmod',
  'e2fsprogs',
  'util-linux',
  'dracut-core',
  'dracut',
  'zstd',
  'jq', // the test agent builds its JSON line with it
  'fdisk', // sfdisk: the `layout` directive edits partition tables with it (a Kairos image has it)
];
// Installed with apt inside the root: the kernel (modules included, so the image's own dracut
// finds virtio and loop), nohang (the memory policy renders its config), and what the immucore
// dracut module pulls in when the build host has it: lvm2 and mdadm (dracut's lvm and mdraid
// modules), dracut-live (dmsquash-live: the squashfs recovery). Not dracut-network: livenet and
// network stay out, which the image build then shows to be optional. cryptsetup-bin and
// tpm2-tools: encrypted volumes (the module installs them; systemd-cryptsetup and the TPM2 token
// plugin are part of bookworm's systemd 252), and the luks scenario formats with them.
const APT_PACKAGES = [
  'linux-image-amd64',
  'nohang',
  'lvm2',
  'mdadm',
  'dracut-live',
  'cryptsetup-bin',
  'tpm2-tools',
];

// Bumped when the recipe below changes in a way the package lists do not show.
const RECIPE = 'debian-root-v1';

export interface DebianRoot {
  /** The root tree; read-only for everyone after this build (images are overlays of it). */
  dir: string;
  /** Kernel release, e.g. 6.1.0-37-amd64. */
  kernelVersion: string;
  vmlinuz: string;
}

export async function buildDebianRoot(): Promise<DebianRoot> {
  const key = hashInputs([RECIPE, SUITE, MIRROR, ...DEBOOTSTRAP_PACKAGES, '--', ...APT_PACKAGES]);
  const cache = await cachedDir('debian-root', key, async (tmp) => {
    const root = join(tmp, 'root');
    await timed('debootstrap', () =>
      runBuild([
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'debootstrap',
        '--variant=minbase',
        `--include=${DEBOOTSTRAP_PACKAGES.join(',')}`,
        SUITE,
        root,
        MIRROR,
      ]),
    );
    await timed('apt-get install kernel', () => installKernel(root));
    await timed('trim root', () => trimRoot(root));
  });
  const dir = join(cache, 'root');
  const kernelVersion = await findKernelVersion(dir);
  return {dir, kernelVersion, vmlinuz: join(dir, 'boot', `vmlinuz-${kernelVersion}`)};
}

async function installKernel(root: string): Promise<void> {
  // No service may start inside the chroot, and the kernel's postinst must not build a default
  // initramfs (INITRD=No): the harness builds its own with immucore in it.
  await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', {mode: 0o755});
  const env = {DEBIAN_FRONTEND: 'noninteractive', INITRD: 'No'};
  await runInChroot(root, ['apt-get', 'update', '-q'], {env});
  await runInChroot(root, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...APT_PACKAGES], {
    env,
  });
  await runInChroot(root, ['apt-get', 'clean'], {env});
  await rm(join(root, 'usr/sbin/policy-rc.d'));
}

// Documentation and caches are a third of a minbase root and every image carries three copies.
async function trimRoot(root: string): Promise<void> {
  for (const dir of [
    'usr/share/doc',
    'usr/share/man',
    'usr/share/info',
    'usr/share/locale',
    'var/lib/apt/lists',
  ]) {
    const path = join(root, dir);
    if (!existsSync(path)) continue;
    for (const entry of await readdir(path)) await rm(join(path, entry), {recursive: true, force: true});
  }
}

async function findKernelVersion(root: string): Promise<string> {
  const kernels = (await readdir(join(root, 'boot'))).filter((n) => n.startsWith('vmlinuz-')).sort();
  const last = kernels.at(-1);
  if (last === undefined) throw new Error(`no /boot/vmlinuz-* in ${root}: did linux-image-amd64 install?`);
  return last.slice('vmlinuz-'.length);
}
