// The seam between immucore and the machine: every mount, loop device, probe, fsck, file and
// process goes through `Sys`. `LinuxSys` (linux.ts) is the real one; step tests use a recording fake.
//
// Paths: every path immucore creates or reads (`/run/cos`, `/sysroot/etc`, the kernel cmdline, image
// files, bind sources, overlay dirs) is resolved against the Sys root (`/` in the initramfs, a temp
// dir in tests). Devices are always the real ones: a `/dev/...` path given where a device is
// expected (a mount source, `probe`, `fsck`, `detachLoop`), and every device Sys returns.
import type {MemberTypes} from '../boot/activation.ts';
import type {FsckMode, FsckRepair} from '../boot/boot-config.ts';
import type {LuksContainer} from '../boot/luks.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import type {TreeListing} from '../boot/seed.ts';

/** One line of /proc/self/mountinfo, with `target` relative to the Sys root. */
export interface MountEntry {
  id: number;
  parentId: number;
  /** `major:minor` of the mounted filesystem, e.g. `7:3`. */
  majorMinor: string;
  /** The directory of the filesystem that is mounted (a bind shows the bound dir, else `/`). */
  root: string;
  target: string;
  /** Per-mount options: `ro`, `nosuid`, `relatime`... */
  options: string[];
  fstype: string;
  /** `/dev/loop3`, `tmpfs`, `overlay`... */
  source: string;
  /** Filesystem options: `lowerdir=...`, `size=...`... */
  superOptions: string[];
}

/** What a filesystem says about itself. `undefined` from `probe` means no filesystem was recognised. */
export interface BlockInfo {
  /** `ext4`, `ext3`, `ext2`, `vfat`, `iso9660`, `squashfs`, `xfs`, or whatever blkid names. */
  fstype: string;
  label?: string;
  uuid?: string;
}

export type {FsckMode, FsckRepair};

export interface FsckOptions {
  mode: FsckMode;
  repair: FsckRepair;
}

/**
 * `clean` (exit 0), `repaired` (1), `reboot-advised` (2: errors fixed, the kernel may hold stale
 * data; log it and go on), `skipped` (fsck.mode=skip, or not an ext filesystem). Exit 4 or more throws.
 */
export interface FsckResult {
  outcome: 'clean' | 'repaired' | 'reboot-advised' | 'skipped';
  exitCode?: number;
  /** e2fsck's output, or why the check was skipped. */
  output: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface KeyWaitOptions extends WaitOptions {
  /** Printed on the terminal once a key would be read: a key typed before it may be lost. */
  prompt?: string;
}

export interface RunOptions {
  /** Resolved against the Sys root. */
  cwd?: string;
  /** Added to the environment immucore runs with. */
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Exit codes that are not a failure (0 always is). */
  okExitCodes?: number[];
  /** `inherit` hands the terminal to the process (a break shell); its output is then not captured. */
  stdio?: 'pipe' | 'inherit';
  /** Start it in its own process group: a timeout or an abort kills the whole group (SIGKILL). */
  processGroup?: boolean;
  /** Called once it has started, with its pid (the process group id, with `processGroup`). */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * What Sys.lookupDevices found for one spec: the device, and whether immucore's own superblock
 * read recognised it (`false`: only udev's link or the path names it; that may be a raw LUKS
 * device whose header carries the label); `duplicate` when two devices carry it.
 */
export type DeviceLookup = {device: string; bySuperblock: boolean} | 'duplicate';

/** Two devices carried `spec` and the one on the disk of the other COS_* partitions was used. */
export interface DeviceChoice {
  spec: string;
  device: string;
  /** Names every device that carries `spec` and the one used. */
  message: string;
  hint: string;
}

export interface Sys {
  /** The real directory that immucore's `/` stands for. */
  readonly root: string;
  /** The real path of an immucore path (`/sysroot/etc` → `<root>/sysroot/etc`). */
  resolvePath(path: string): string;

  // Files. Missing is `undefined`; every other failure throws a SysError.
  readText(path: string): Promise<string | undefined>;
  /**
   * Creates or replaces the file; `mode` is applied even when the file already existed. `atomic`:
   * written under a temp name beside it, flushed (fsync), then renamed over it, so a power loss
   * leaves the old file or the new one, never part of one, and a symlink at `path` is replaced, not
   * followed. `atomic: 'unflushed'` skips the fsync (a journal commit, ~10 ms) for a record that is
   * safe to find empty after a power loss.
   */
  writeText(
    path: string,
    text: string,
    opts?: {mode?: number; atomic?: boolean | 'unflushed'},
  ): Promise<void>;
  /**
   * `writeText(..., {atomic})` for several files on one filesystem, with one flush for all: each is
   * written under its temp name, then (`flush`) the filesystem is flushed once (syncfs), then each
   * is renamed over its path. A power loss leaves each file old or new, never part of one; with
   * `flush`, a file under its final name has its data on disk. On a failure, no temp file is left.
   */
  writeTextsAtomic(files: Array<{path: string; text: string}>, opts: {flush: boolean}): Promise<void>;
  mkdirp(...paths: string[]): Promise<void>;
  exists(path: string): Promise<boolean>;
  readdir(path: string): Promise<string[] | undefined>;
  /** `target` is written as given (resolved by whoever follows the link); `path` is root-relative. */
  symlink(target: string, path: string): Promise<'created' | 'already'>;
  readlink(path: string): Promise<string | undefined>;
  /**
   * `path` with every symlink followed by the kernel, as a Sys path; `undefined` when it does not
   * exist or leads outside the Sys root. The kernel follows an absolute link from the machine's `/`,
   * not from a root inside it: equal to `path` means only "no symlink on the way" (RootView's fast path).
   */
  realpath(path: string): Promise<string | undefined>;

  // Persistent state seeds (src/steps/seed-state.ts).
  /** Every entry below the directory `path` as lstat sees it, `''` for `path` itself; undefined if missing. */
  listTree(path: string): Promise<TreeListing | undefined>;
  /**
   * The entries of the directory `path` at `paths` (relative, every parent listed too). Nothing
   * below a missing entry or a non-directory is looked up, so a symlink is never followed.
   */
  statEntries(path: string, paths: string[]): Promise<TreeListing>;
  /**
   * Copy the directory `from` to `to`, which must not exist: the directory's own mode, owner and
   * xattrs, and everything in it with owner, mode, timestamps, xattrs, symlinks, hard links and
   * special files.
   */
  copyTree(from: string, to: string): Promise<void>;
  /** Copy `entries` (relative to `from`, each whole) into the directory `to`, parents recreated, as copyTree. */
  copyEntries(from: string, entries: string[], to: string): Promise<void>;
  /** rename(2): replaces a file or symlink at `to`. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Remove a tree immucore itself made (a staging dir); missing is fine. Never used on state.
   * Resolves true when there was something to remove (a seed cut short leaves its staging dir).
   */
  removeScratch(path: string): Promise<boolean>;
  /** Set the mode and owner of `path`, not following a symlink. */
  setAttributes(path: string, attrs: {mode: number; uid: number; gid: number}): Promise<void>;
  /** Flush the filesystem holding `path` (syncfs), so what is written next describes data on disk. */
  syncFs(path: string): Promise<void>;
  /**
   * What identifies the filesystem on `device` and its content (fstype, UUID, a hash of the
   * superblock; see fs-identity.ts); undefined when no filesystem is recognised.
   */
  fsIdentity(device: string): Promise<string | undefined>;

  // Mounts.
  /**
   * `LABEL=`/`UUID=`/`PARTLABEL=`/`PARTUUID=` sources are looked up (not waited for), `fstype: 'auto'`
   * is probed. A target whose top mount already holds that source is `already`.
   */
  mount(spec: MountSpec): Promise<'mounted' | 'already'>;
  unmount(target: string, opts?: {lazy?: boolean; recursive?: boolean}): Promise<'unmounted' | 'not-mounted'>;
  /** The mounts at or below the Sys root, in mount order. */
  listMounts(): Promise<MountEntry[]>;

  // Loop devices.
  /** `/dev/loopN`. An image already attached with the same read-only flag reuses its device. */
  attachLoop(image: string, opts: {readOnly: boolean; partscan?: boolean}): Promise<string>;
  /** Detaching a device that is not attached does nothing. */
  detachLoop(device: string): Promise<void>;

  // Block devices.
  /** `LABEL=x`, `UUID=x`, `PARTLABEL=x`, `PARTUUID=x`, `CDLABEL=x` or `/dev/x`; throws on two matches. */
  findDevice(spec: string): Promise<string | undefined>;
  /** findDevice for several specs from one scan; a spec no device carries is absent from the map. */
  lookupDevices(specs: readonly string[]): Promise<Map<string, DeviceLookup>>;
  /**
   * The duplicates that findDevice, lookupDevices and waitForDevice resolved for `spec` (by the
   * same-disk rule) since the last call for it, once each: the caller warns about them.
   */
  takeDeviceChoices(spec: string): DeviceChoice[];
  /** Look once, then wait on device events (never a poll); ETIMEDOUT SysError after `timeoutMs`. */
  waitForDevice(spec: string, opts: WaitOptions): Promise<string>;
  /**
   * Wait until udev has made `link` (`/dev/disk/by-label/COS_ACTIVE`) point at `device`, on udev's
   * events; ETIMEDOUT SysError after `timeoutMs`. `no-udev` at once when udevd is not running (no
   * one would make the link).
   */
  waitForLink(link: string, device: string, opts: WaitOptions): Promise<'linked' | 'no-udev'>;
  /**
   * udevd runs (its control socket is there). Without it, `udevadm trigger` and `udevadm settle`
   * have no one to talk to: each is only a process started for nothing.
   */
  udevRunning(): Promise<boolean>;
  probe(device: string): Promise<BlockInfo | undefined>;
  /** Every LUKS container (src/sys/luks-scan.ts), open or not, with its header's label, UUID and tokens. */
  listLuksContainers(): Promise<LuksContainer[]>;
  /**
   * The LVM and md RAID member signatures on every block device, read from the devices themselves
   * (src/sys/member-scan.ts); `undefined` when the devices cannot be listed.
   */
  readMemberTypes(): Promise<MemberTypes | undefined>;
  /**
   * Look once with `find`, then once more after each block device event, until it answers;
   * ETIMEDOUT SysError after `timeoutMs`. `what` names the wait in messages.
   */
  waitForBlock(what: string, find: () => Promise<string | undefined>, opts: WaitOptions): Promise<string>;
  /**
   * Look once, then once more on each inotify event in their directories, until one of `paths`
   * exists (a character device such as the TPM's, which no block event announces); that path, or
   * an ETIMEDOUT SysError after `timeoutMs`.
   */
  waitForPath(paths: readonly string[], opts: WaitOptions): Promise<string>;
  fsck(device: string, opts: FsckOptions): Promise<FsckResult>;

  /** Where a tool is on PATH; `undefined` when this system (the initramfs) does not have it. */
  findTool(name: string): Promise<string | undefined>;
  /**
   * Wait for a key on a terminal (`/dev/console`): a blocking read, never a poll; `timeout` when
   * none came within `timeoutMs`. Throws a SysError when the terminal cannot be read, or on abort.
   */
  waitForKey(terminal: string, opts: KeyWaitOptions): Promise<'key' | 'timeout'>;

  /** Run a tool; a non-zero exit (outside `okExitCodes`) throws a SysError. */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

export interface SysErrorInfo {
  /** `EEXIT` (a tool failed), `ETIMEDOUT`, `EDUPLICATE`, `ENOENT`, `EINVAL`, `ABORT_ERR`, or an errno. */
  code: string;
  argv?: readonly string[];
  exitCode?: number;
  /** The end of the tool's stderr. */
  stderr?: string;
  hint?: string;
  cause?: unknown;
}

/** A failure touching the machine: carries the argv, exit code and end of stderr. Branch on `code`. */
export class SysError extends Error {
  override name = 'SysError';
  readonly code: string;
  readonly argv?: readonly string[];
  readonly exitCode?: number;
  readonly stderr?: string;
  readonly hint?: string;

  constructor(message: string, info: SysErrorInfo) {
    super(message, info.cause === undefined ? undefined : {cause: info.cause});
    this.code = info.code;
    this.argv = info.argv;
    this.exitCode = info.exitCode;
    this.stderr = info.stderr;
    this.hint = info.hint;
  }
}

/** `mount -t overlay overlay '/a b'`: argv as a reader would type it, for messages only. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** The last `max` characters of a tool's stderr, trimmed, for an error message. */
export function tailOf(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}
