// The boot mode (SPEC §3): a live medium → the live plan, rd.immucore.disable → sentinel and report
// only, otherwise the disk plan. One rule, kept as data: decideBootState reads it through
// decideBootMode, and scripts/render-generator.ts renders it into the dracut generator, together
// with the unit texts below, so the shell and the TypeScript cannot drift apart.
import type {BootConfig} from './boot-config.ts';
import {parseFlag, parseTokens, type Token} from './cmdline-values.ts';

export type BootModeName = 'disk' | 'live' | 'disabled';

/** The boot-mode rule as data; the generator's shell is rendered from it. */
export const BOOT_MODE_RULE = {
  /** A token that starts with one of these and names something after it is a live medium. */
  liveTokenPrefixes: ['live:', 'root=live:'],
  /** Anywhere in the raw cmdline (SPEC §3 rule 5), as the Kairos boot loaders write them. */
  liveSubstrings: ['live:LABEL', 'live:CDLABEL', 'netboot'],
  /** The flags the generator reads; each lists its spellings, highest rank first. */
  flags: {
    disable: ['rd.immucore.disable', 'rd.cos.disable'],
    debugrw: ['rd.immucore.debugrw', 'rd.cos.debugrw'],
  },
} as const;

export type GeneratorFlag = keyof typeof BOOT_MODE_RULE.flags;

/** parseFlag's spellings (any case); anything else is malformed and means the default, off. */
export const FLAG_SPELLINGS = {on: ['1', 'yes', 'true'], off: ['0', 'no', 'false']} as const;

/** Decide disk, live or disabled from the cmdline; a live medium outranks rd.immucore.disable. */
export function decideBootMode(config: Pick<BootConfig, 'raw'>): BootModeName {
  const tokens = parseTokens(config.raw);
  if (hasLiveMedium(config.raw, tokens)) return 'live';
  return decideFlag(tokens, 'disable') ? 'disabled' : 'disk';
}

function hasLiveMedium(raw: string, tokens: Token[]): boolean {
  const {liveTokenPrefixes, liveSubstrings} = BOOT_MODE_RULE;
  return (
    tokens.some((t) => liveTokenPrefixes.some((p) => t.text.length > p.length && t.text.startsWith(p))) ||
    liveSubstrings.some((s) => raw.includes(s))
  );
}

/**
 * A flag the way parseCmdline settles it: the highest-ranked spelling present, of those the last,
 * decides; a malformed value (`=x`, `=`) still claims the flag and means off.
 */
export function decideFlag(tokens: Token[], flag: GeneratorFlag): boolean {
  const spellings: readonly string[] = BOOT_MODE_RULE.flags[flag];
  let best: {rank: number; value: string | undefined} | undefined;
  for (const tok of tokens) {
    const rank = spellings.length - spellings.indexOf(tok.key);
    if (rank <= spellings.length && (!best || rank >= best.rank)) best = {rank, value: tok.value};
  }
  if (!best) return false;
  const on = parseFlag(best.value);
  return on.ok && on.value;
}

/** The root= forms that name a device node, and where udev links them. */
export const ROOT_DEVICES: ReadonlyArray<{prefix: string; dir: string; udevEscaped: boolean}> = [
  {prefix: 'LABEL=', dir: '/dev/disk/by-label/', udevEscaped: true},
  {prefix: 'UUID=', dir: '/dev/disk/by-uuid/', udevEscaped: true},
  {prefix: 'PARTUUID=', dir: '/dev/disk/by-partuuid/', udevEscaped: true},
  {prefix: 'PARTLABEL=', dir: '/dev/disk/by-partlabel/', udevEscaped: true},
  {prefix: '/dev/', dir: '/dev/', udevEscaped: false},
];

/** The device node a root= value names, as systemd-fstab-generator would spell it. */
export function decideRootDevice(root: string | undefined): string | undefined {
  if (root === undefined) return undefined;
  const kind = ROOT_DEVICES.find((d) => root.length > d.prefix.length && root.startsWith(d.prefix));
  if (!kind) return undefined;
  const rest = root.slice(kind.prefix.length);
  return kind.dir + (kind.udevEscaped ? renderUdevName(rest) : rest);
}

/** The punctuation udev leaves alone in a /dev/disk/by-* name, besides A-Z, a-z and 0-9. */
export const UDEV_SAFE_PUNCTUATION = '#+-.:=@_';

/**
 * udev's escaping of a name in /dev/disk/by-* (encode_devnode_name, libblkid's
 * blkid_encode_string): ASCII outside the safe set becomes `\xNN`, UTF-8 stays. The generator
 * writes these names into sysroot.mount, and src/sys/devices.ts looks devices up by them.
 */
export function renderUdevName(value: string): string {
  return Array.from(value)
    .map((c) => {
      const code = c.codePointAt(0) ?? 0;
      if (code > 0x7f || /[A-Za-z0-9]/.test(c) || UDEV_SAFE_PUNCTUATION.includes(c)) return c;
      return `\\x${code.toString(16).padStart(2, '0')}`;
    })
    .join('');
}

/** A value as a unit file carries it: `%` starts a systemd specifier, so it becomes `%%`. */
export function renderUnitValue(value: string): string {
  return value.replaceAll('%', '%%');
}

/** One file the generator writes, relative to its normal or early output directory. */
export interface GeneratorUnit {
  dir: 'normal' | 'early';
  path: string;
  text: string;
}

export const DISK_DROP_IN = 'immucore.service.d/50-disk-boot.conf';
export const LIVE_DROP_IN = 'immucore.service.d/50-live-boot.conf';
export const SYSROOT_MOUNT = 'sysroot.mount';
/** What the unit comments say instead of the image when the cmdline names none. */
export const NO_IMAGE = '(no cos-img/filename=)';

/** The drop-in of a disk boot: immucore attaches the root image before anything waits for it. */
export function renderDiskDropIn(f: {image: string}): string {
  return `# Generated by immucore-generator: disk boot of ${f.image}
[Unit]
Before=dracut-initqueue.service sysroot.mount initrd-root-fs.target
`;
}

/** The drop-in of a live, netboot or disabled boot: dracut mounts /sysroot, immucore runs after. */
export function renderLiveDropIn(): string {
  return `# Generated by immucore-generator: live, netboot or disabled boot; dracut mounts /sysroot
[Unit]
After=initrd-root-fs.target
`;
}

/** The early sysroot.mount that shadows the fstab generator's (and its fsck of a loop device). */
export function renderSysrootMount(f: {
  image: string;
  device: string;
  what: string;
  options: string;
}): string {
  return `# Generated by immucore-generator: immucore mounts ${f.device} (the loop-attached ${f.image}) here
# before this unit starts; this unit only records it, without the fstab generator's fsck.
[Unit]
Description=/sysroot (root image mounted by immucore)
DefaultDependencies=no
After=immucore.service
Before=initrd-root-fs.target

[Mount]
What=${f.what}
Where=/sysroot
Options=${f.options}
`;
}

/** The files the dracut generator writes for this cmdline. */
export function decideGeneratorUnits(config: Pick<BootConfig, 'raw' | 'root'>): GeneratorUnit[] {
  const tokens = parseTokens(config.raw);
  // Only for the comments: the last cos-img/filename= as written (a bare key names none).
  const image = tokens.findLast((t) => t.key === 'cos-img/filename')?.value || NO_IMAGE;
  if (decideBootMode(config) !== 'disk')
    return [{dir: 'normal', path: LIVE_DROP_IN, text: renderLiveDropIn()}];
  const units: GeneratorUnit[] = [{dir: 'normal', path: DISK_DROP_IN, text: renderDiskDropIn({image})}];
  const device = decideRootDevice(config.root);
  if (device !== undefined) {
    const options = decideFlag(tokens, 'debugrw') ? 'rw' : 'ro';
    const text = renderSysrootMount({image, device, what: renderUnitValue(device), options});
    units.push({dir: 'early', path: SYSROOT_MOUNT, text});
  }
  return units;
}
