// /proc/self/mountinfo, parsed. Always the real file: the kernel knows nothing of the Sys root.
import type {MountEntry} from './sys.ts';

/** `\040` → space, `\011` → tab, `\012` → newline, `\134` → backslash, as the kernel escapes them. */
export function decodeMountField(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * One entry per line: `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
 * Optional fields (`shared:1`, `master:1`) end at the ` - ` separator. Lines that do not parse are
 * dropped rather than guessed at.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 3) continue;
    const [id, parentId, majorMinor, root, target, options] = fields;
    if (!id || !parentId || !majorMinor || !root || !target || !options) continue;
    entries.push({
      id: Number(id),
      parentId: Number(parentId),
      majorMinor,
      root: decodeMountField(root),
      target: decodeMountField(target),
      options: options.split(','),
      fstype: decodeMountField(fields[dash + 1] ?? ''),
      source: decodeMountField(fields[dash + 2] ?? ''),
      superOptions: (fields[dash + 3] ?? '')
        .split(',')
        .filter((o) => o !== '')
        .map(decodeMountField),
    });
  }
  return entries;
}

/** The mount that is visible at `target` (the last one mounted there), if any. */
export function topMountAt(entries: readonly MountEntry[], target: string): MountEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e?.target === target) return e;
  }
  return undefined;
}

/**
 * `topMountAt(parseMountinfo(text), target)` without parsing the table when `target` is not in
 * it: mountSpec asks this before each of a boot's ~50 mounts, and almost every target holds
 * nothing yet. The kernel writes a target as it is unless it has a space, tab, newline or
 * backslash (octal-escaped); only such a target, or one the text does hold, is parsed for.
 */
export function findTopMount(text: string, target: string): MountEntry | undefined {
  if (!/[ \t\n\\]/.test(target) && !text.includes(` ${target} `)) return undefined;
  return topMountAt(parseMountinfo(text), target);
}

/** `major:minor` of a device number as `stat().rdev` gives it (glibc's encoding). */
export function formatDevNumber(rdev: number): string {
  const high = Math.floor(rdev / 2 ** 32);
  const low = rdev >>> 0;
  const major = ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0);
  const minor = (low & 0xff) | ((low >>> 12) & 0xfff00);
  return `${major}:${minor}`;
}

/** The value of `key=` in a list of mount options (`upperdir`, `size`...). */
export function optionValue(options: readonly string[], key: string): string | undefined {
  const prefix = `${key}=`;
  return options.find((o) => o.startsWith(prefix))?.slice(prefix.length);
}
