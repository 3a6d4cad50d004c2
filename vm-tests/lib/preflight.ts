// Checks what the VM suite needs before its first slow step, so a missing tool fails in a second
// with the apt line that fixes it rather than halfway through a build. Keep scripts/setup.sh's
// VM_PACKAGES in step.
import {execa} from 'execa';

// Tool → Debian package providing it (bookworm).
const TOOLS: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  debootstrap: 'debootstrap',
  sfdisk: 'fdisk',
  'mkfs.ext4': 'e2fsprogs',
  tune2fs: 'e2fsprogs',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  // the LVM disk (COS_PERSISTENT on a logical volume) and the squashfs recovery
  lvm: 'lvm2',
  mksquashfs: 'squashfs-tools',
  // the kairos-configs scenario's cidata CD (ISO9660)
  xorriso: 'xorriso',
};

let checked = false;

export async function checkPrerequisites(): Promise<void> {
  if (checked) return;
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push('run as root: debootstrap, chroot and mount namespaces need it');
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], {
      reject: false,
      env: {PATH: `${process.env.PATH}:/usr/sbin:/sbin`},
    });
    if (found.exitCode !== 0) missing.push(pkg);
  }
  if (missing.length > 0) {
    problems.push(
      `missing tools; install them with: apt-get install -y --no-install-recommends ${[...new Set(missing)].join(' ')}`,
    );
  }
  if (problems.length > 0) throw new Error(`The VM tests cannot run here:\n- ${problems.join('\n- ')}`);
  checked = true;
}
