// The command lines immucore runs, built from typed specs by pure functions (tested with tables).
import type {MountSpec} from '../boot/mount-spec.ts';
import type {FsckOptions, FsckResult} from './sys.ts';

/** `mount [-t type] [-o opts] source target`; `auto` lets mount detect the type, `none` is a bind. */
export function mountArgs(spec: MountSpec): string[] {
  const argv = ['mount'];
  if (spec.fstype !== 'auto' && spec.fstype !== 'none' && spec.fstype !== '') argv.push('-t', spec.fstype);
  if (spec.options.length > 0) argv.push('-o', spec.options.join(','));
  argv.push(spec.source, spec.target);
  return argv;
}

/** `umount [-l] [-R] target`. */
export function umountArgs(target: string, opts: {lazy?: boolean; recursive?: boolean} = {}): string[] {
  return ['umount', ...(opts.lazy ? ['-l'] : []), ...(opts.recursive ? ['-R'] : []), target];
}

/** `losetup --find --show [--read-only] [--partscan] image`: prints the device it picked. */
export function losetupArgs(image: string, opts: {readOnly: boolean; partscan?: boolean}): string[] {
  return [
    'losetup',
    '--find',
    '--show',
    ...(opts.readOnly ? ['--read-only'] : []),
    ...(opts.partscan ? ['--partscan'] : []),
    image,
  ];
}

export function losetupDetachArgs(device: string): string[] {
  return ['losetup', '--detach', device];
}

/**
 * e2fsck per fsck.mode/fsck.repair: preen → `-p`, yes → `-y`, no → `-n`; force adds `-f`;
 * `skip` runs nothing (`undefined`).
 */
export function e2fsckArgs(device: string, opts: FsckOptions): string[] | undefined {
  if (opts.mode === 'skip') return undefined;
  const repair = {preen: '-p', yes: '-y', no: '-n'}[opts.repair];
  return ['e2fsck', repair, ...(opts.mode === 'force' ? ['-f'] : []), device];
}

/** e2fsck's exit code → outcome: 0 clean, 1 repaired, 2 repaired but reboot advised; 4+ is a failure. */
export function fsckOutcome(exitCode: number): FsckResult['outcome'] | undefined {
  return (['clean', 'repaired', 'reboot-advised'] as const)[exitCode];
}

/** `blkid -p`: probe the device itself, never libblkid's cache (which can answer with a file). */
export function blkidProbeArgs(device: string): string[] {
  return ['blkid', '-p', '-o', 'export', device];
}

/** `udevadm settle`: wait until udev has handled every queued event (exit 1 on the timeout). */
export function udevadmSettleArgs(timeoutSec: number): string[] {
  return ['udevadm', 'settle', `--timeout=${timeoutSec}`];
}

/** `udevadm trigger --action=change <device>`: make udev look at a device again (its links). */
export function udevadmTriggerChangeArgs(device: string): string[] {
  return ['udevadm', 'trigger', '--action=change', device];
}

/** Activate every LVM logical volume, as dracut's lvm_scan does (`--sysinit`: no lvmpolld, no monitoring). */
export function lvmActivateArgs(): string[] {
  return ['lvm', 'vgchange', '--activate', 'y', '--sysinit'];
}

/** Assemble every md array whose members are present (no mdadm.conf needed). */
export function mdadmAssembleArgs(): string[] {
  return ['mdadm', '--assemble', '--scan'];
}

/**
 * What `mdadm --assemble --scan` did: exit 0 assembled something; exit 1 saying "No arrays found"
 * found nothing to assemble (or everything was assembled already); anything else is `undefined`,
 * a failure.
 */
export function mdadmAssembleOutcome(exitCode: number, stderr: string): 'assembled' | 'none' | undefined {
  if (exitCode === 0) return 'assembled';
  if (exitCode === 1 && /No arrays found|No suitable drives found/i.test(stderr)) return 'none';
  return undefined;
}
