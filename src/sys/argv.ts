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

/** Loads a kernel module by name, honouring the blacklist as the kernel's autoload does (-b). */
export function modprobeArgs(module: string): string[] {
  return ['modprobe', '-b', '--', module];
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

/**
 * An interactive shell on a terminal (`/dev/console`), whatever immucore's own stdin is (the
 * unit's is /dev/null, where `sh -i` reads EOF and exits at once): the shell gets the terminal
 * on fds 0-2 and, in a session of its own (setsid -c), as its controlling tty, so ^C and job
 * control work. `-w` waits for the shell should setsid have to fork.
 */
export function terminalShellArgs(terminal: string): string[] {
  return ['sh', '-c', 'exec setsid -c -w sh -i <>"$1" >&0 2>&1', 'sh', terminal];
}

/**
 * Reads one key from a terminal: non-canonical and without echo, so any key counts, not only
 * Enter; exits 0 once a byte was read (a blocking read: the caller bounds it with a timeout).
 * `prompt` is printed once the terminal is open and set up: a serial port drops what arrives
 * while nobody has it open, so a key counts only from then on.
 */
export function waitKeyArgs(terminal: string, prompt = ''): string[] {
  const script =
    'exec <>"$1" && old=$(stty -g) && stty -icanon -echo min 1 time 0 || exit 2; printf %s "$2" >&0; dd bs=1 count=1 of=/dev/null 2>/dev/null; r=$?; stty "$old"; exit $r';
  return ['sh', '-c', script, 'sh', terminal, prompt];
}

/** `systemd-notify KEY=value…`: a message to the service manager on $NOTIFY_SOCKET. */
export function notifyArgs(fields: Record<string, string>): string[] {
  return ['systemd-notify', ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)];
}
