// The kernel must be able to mount overlay filesystems before a disk boot mounts anything: every
// disk boot overlays its RW paths (an empty RW_PATHS means the default ones), so a kernel without
// overlay (a module left out of the initramfs, or blacklisted) cannot make a usable root. Without
// this check each RW path would fail on its own with ENODEV and the boot would go on "degraded"
// with a read-only /etc and /var, which is a broken system, not a degraded one.
import {BootError} from '../boot/errors.ts';
import {modprobeArgs} from '../sys/argv.ts';
import type {Sys} from '../sys/sys.ts';

export const FILESYSTEMS_FILE = '/proc/filesystems';

/** The filesystem types /proc/filesystems lists (`nodev\toverlay` → overlay). */
export function parseFilesystems(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1) ?? '')
      .filter((t) => t !== ''),
  );
}

/**
 * Throws a BootError when the kernel has no `type` filesystem and modprobe cannot load it. Asks
 * modprobe with -b, so a blacklist (rd.driver.blacklist=, modprobe.blacklist=) is honoured as the
 * kernel's own module autoload honours it. Without /proc/filesystems (not in the initramfs: tests,
 * `--root`) there is nothing to check.
 */
export async function requireFilesystem(sys: Sys, type: string, why: string): Promise<void> {
  const before = await sys.readText(FILESYSTEMS_FILE);
  if (before === undefined || parseFilesystems(before).has(type)) return;
  const argv = modprobeArgs(type);
  const probe = await sys
    .run(argv, {okExitCodes: Array.from({length: 255}, (_, i) => i + 1)})
    .then((r) => ({exitCode: r.exitCode, said: r.stderr.trim()}))
    .catch((err: Error) => ({exitCode: undefined, said: err.message}));
  const after = await sys.readText(FILESYSTEMS_FILE);
  if (after !== undefined && parseFilesystems(after).has(type)) return;
  const said =
    probe.said !== ''
      ? probe.said
      : probe.exitCode === 0
        ? 'it loaded nothing (blacklisted?)'
        : `exit ${probe.exitCode ?? '?'}`;
  throw new BootError(
    `The kernel cannot mount ${type} filesystems, which ${why}: ${FILESYSTEMS_FILE} has no ${type} and "${argv.join(' ')}" did not add it (${said})`,
    {
      input: `kernel module ${type}`,
      hint: `Rebuild the initramfs with the ${type} module (dracut --add-drivers ${type}; immucore's dracut module installs it), use a kernel with ${type} built in, or remove ${type} from rd.driver.blacklist= and modprobe.blacklist=.`,
    },
  );
}
