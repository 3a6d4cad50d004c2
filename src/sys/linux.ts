// The real Sys: util-linux and e2fsprogs through execa, files through node:fs, devices found by
// reading superblocks and waited for on kernel events.
import fs from 'node:fs/promises';
import path from 'node:path';
import type {MemberTypes} from '../boot/activation.ts';
import type {LuksContainer} from '../boot/luks.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import type {TreeListing} from '../boot/seed.ts';
import {blkidProbeArgs, e2fsckArgs, fsckOutcome, umountArgs, waitKeyArgs} from './argv.ts';
import {blockInfoFromBlkid, parseBlkidExport} from './blkid.ts';
import {type DeviceFilter, readBlockInfo} from './block-scan.ts';
import {copyEntries, copyTree} from './copy-up.ts';
import {filterFromNames, findDevice, lookupDevices, parseDeviceSpec} from './devices.ts';
import {runTool} from './exec.ts';
import {extCheckReason} from './ext-health.ts';
import {readFsIdentity} from './fs-identity.ts';
import {syncFsBySyscall} from './libc.ts';
import {attachLoop, detachLoop} from './loop.ts';
import {scanLuksContainers} from './luks-scan.ts';
import {scanMemberTypes} from './member-scan.ts';
import {mountSpec, readMountinfo} from './mount.ts';
import {unmountBySyscall} from './mount-syscall.ts';
import {topMountAt} from './mountinfo.ts';
import {
  closeSync,
  fchmodSync,
  fsync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from './node-fs.ts';
import {isDevicePath, resolveUnder, toRootRelative} from './paths.ts';
import {HEAD_BYTES, parseSuperblock} from './superblock.ts';
import type {
  BlockInfo,
  DeviceChoice,
  DeviceLookup,
  FsckOptions,
  FsckResult,
  KeyWaitOptions,
  MountEntry,
  RunOptions,
  RunResult,
  Sys,
  WaitOptions,
} from './sys.ts';
import {SysError} from './sys.ts';
import {listTree, statEntries} from './tree.ts';
import {
  type DeviceEvents,
  UDEV_CONTROL,
  UDEVADM_MONITOR,
  UDEVADM_MONITOR_UDEV,
  waitForEvent,
} from './wait-device.ts';

export interface LinuxSysOptions {
  /** What immucore's `/` is: `/` in the initramfs, a temp dir in tests. */
  root?: string;
  /**
   * Which block devices lookups may see: kernel names (`['loop7']` also allows `loop7p1`) or a
   * filter such as `loopsBackedBy(dir)`. Default: all. Tests that run in parallel need this.
   */
  devices?: readonly string[] | DeviceFilter;
  /** Where device events come from; default: udevadm's kernel monitor and /dev/disk/by-*. */
  events?: DeviceEvents;
  /** Where udev's links are announced (waitForLink); default: udevadm's udev monitor and the link's dir. */
  linkEvents?: {monitorArgv?: readonly string[]; control: string};
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const FS_EVENTS_DIRS = [
  '/dev/disk/by-label',
  '/dev/disk/by-uuid',
  '/dev/disk/by-partlabel',
  '/dev/disk/by-partuuid',
  '/dev/disk',
];

export class LinuxSys implements Sys {
  readonly root: string;
  private readonly filter: DeviceFilter | undefined;
  private readonly events: DeviceEvents;
  private readonly linkEvents: {monitorArgv?: readonly string[]; control: string};
  private choices: DeviceChoice[] = [];

  constructor(opts: LinuxSysOptions = {}) {
    const root = path.resolve(opts.root ?? '/');
    this.root = realpathOr(root);
    const d = opts.devices;
    this.filter = d === undefined ? undefined : typeof d === 'function' ? d : filterFromNames(d);
    this.events = opts.events ?? {watchDirs: FS_EVENTS_DIRS, monitorArgv: UDEVADM_MONITOR};
    this.linkEvents = opts.linkEvents ?? {monitorArgv: UDEVADM_MONITOR_UDEV, control: UDEV_CONTROL};
  }

  resolvePath(p: string): string {
    return resolveUnder(this.root, p);
  }

  async readText(p: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.resolvePath(p), 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw fsError('read', p, err);
    }
  }

  async writeText(
    p: string,
    text: string,
    opts: {mode?: number; atomic?: boolean | 'unflushed'} = {},
  ): Promise<void> {
    const real = this.resolvePath(p);
    if (opts.atomic)
      return this.writeAtomic(p, real, text, {mode: opts.mode ?? 0o644, flush: opts.atomic !== 'unflushed'});
    try {
      await fs.writeFile(real, text, opts.mode === undefined ? {} : {mode: opts.mode});
      if (opts.mode !== undefined) await fs.chmod(real, opts.mode);
    } catch (err) {
      throw fsError('write', p, err);
    }
  }

  private async writeAtomic(
    p: string,
    real: string,
    text: string,
    {mode, flush}: {mode: number; flush: boolean},
  ): Promise<void> {
    const tmp = `${real}.immucore-tmp`;
    try {
      await writeNewFile(tmp, text, mode, flush);
      renameSync(tmp, real);
    } catch (err) {
      // A write cut short by a full disk leaves nothing behind, and gives the space back.
      try {
        rmSync(tmp, {force: true});
      } catch {}
      throw fsError('write', p, err);
    }
  }

  async writeTextsAtomic(files: Array<{path: string; text: string}>, opts: {flush: boolean}): Promise<void> {
    const staged: Array<{real: string; tmp: string}> = [];
    let at = '';
    try {
      for (const f of files) {
        at = f.path;
        const real = this.resolvePath(f.path);
        staged.push({real, tmp: `${real}.immucore-tmp`});
        await writeNewFile(`${real}.immucore-tmp`, f.text, 0o644, false);
      }
      // One syncfs for every file's data, before any rename names it (the renames are metadata,
      // which ext4's journal commits in order): N seed records cost one flush, not N fsyncs.
      const first = files[0];
      if (opts.flush && first) {
        at = first.path;
        await this.syncFs(path.posix.dirname(first.path));
      }
      for (const [i, s] of staged.entries()) {
        at = files[i]?.path ?? at;
        renameSync(s.tmp, s.real);
      }
    } catch (err) {
      // A write cut short by a full disk leaves nothing behind, and gives the space back.
      for (const s of staged) {
        try {
          rmSync(s.tmp, {force: true});
        } catch {}
      }
      throw fsError('write', at, err);
    }
  }

  async mkdirp(...paths: string[]): Promise<void> {
    for (const p of paths) {
      await fs.mkdir(this.resolvePath(p), {recursive: true}).catch((err) => {
        throw fsError('create directory', p, err);
      });
    }
  }

  // exists, readlink and realpath are path walks (no file data), asked hundreds of times a boot
  // (every mount target, every persistent path): synchronous, as each async call is a hop to
  // bun's thread pool and back (a futex wake each way), which cost more CPU than the walk itself.
  async exists(p: string): Promise<boolean> {
    try {
      return lstatSync(this.resolvePath(p), {throwIfNoEntry: false}) !== undefined;
    } catch {
      return false;
    }
  }

  async readdir(p: string): Promise<string[] | undefined> {
    try {
      return (await fs.readdir(this.resolvePath(p))).sort();
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw fsError('list', p, err);
    }
  }

  async symlink(target: string, p: string): Promise<'created' | 'already'> {
    const real = this.resolvePath(p);
    const current = await fs.readlink(real).catch(() => undefined);
    if (current === target) return 'already';
    try {
      await fs.symlink(target, real);
      return 'created';
    } catch (err) {
      throw fsError(`link to ${target} at`, p, err);
    }
  }

  async readlink(p: string): Promise<string | undefined> {
    try {
      // lstat first: almost every component asked about is no link, and readlink's EINVAL for
      // those was a thrown error each (an Error with its stack, costly in the interpreter).
      const real = this.resolvePath(p);
      if (lstatSync(real, {throwIfNoEntry: false})?.isSymbolicLink() !== true) return undefined;
      return readlinkSync(real);
    } catch {
      return undefined;
    }
  }

  async realpath(p: string): Promise<string | undefined> {
    let real: string;
    try {
      real = realpathSync.native(this.resolvePath(p));
    } catch {
      return undefined;
    }
    return toRootRelative(this.root, real);
  }

  listTree(p: string): Promise<TreeListing | undefined> {
    return listTree(this.resolvePath(p));
  }

  statEntries(p: string, paths: string[]): Promise<TreeListing> {
    return statEntries(this.resolvePath(p), paths);
  }

  copyTree(from: string, to: string): Promise<void> {
    return copyTree(this.resolvePath(from), this.resolvePath(to));
  }

  copyEntries(from: string, entries: string[], to: string): Promise<void> {
    return copyEntries(this.resolvePath(from), entries, this.resolvePath(to));
  }

  async rename(from: string, to: string): Promise<void> {
    // Synchronous: metadata only, asked once per seeded path on a first boot (a pool hop each).
    try {
      renameSync(this.resolvePath(from), this.resolvePath(to));
    } catch (err) {
      throw fsError(`move ${from} to`, to, err);
    }
  }

  async removeScratch(p: string): Promise<boolean> {
    const real = this.resolvePath(p);
    // Asked twice per seeded path, and almost always for nothing: one lstat, not a pool hop.
    if (isMissing(real)) return false;
    await fs.rm(real, {recursive: true, force: true}).catch((err) => {
      throw fsError('remove', p, err);
    });
    return true;
  }

  async setAttributes(p: string, attrs: {mode: number; uid: number; gid: number}): Promise<void> {
    const real = this.resolvePath(p);
    try {
      await fs.lchown(real, attrs.uid, attrs.gid);
      // After chown, which clears setuid and setgid bits.
      if (!(await fs.lstat(real)).isSymbolicLink()) await fs.chmod(real, attrs.mode);
    } catch (err) {
      throw fsError('set the mode and owner of', p, err);
    }
  }

  async syncFs(p: string): Promise<void> {
    // syncfs(2) itself in the compiled binary (no process); else `sync -f` (coreutils 8.24), the
    // same call; busybox's may lack it.
    if (await syncFsBySyscall(this.resolvePath(p)).catch(() => false)) return;
    const ok = await runTool(['sync', '-f', this.resolvePath(p)]).then(
      () => true,
      () => false,
    );
    if (!ok) await runTool(['sync']);
  }

  fsIdentity(device: string): Promise<string | undefined> {
    return readFsIdentity(this.devicePath(device)).catch((err) => {
      throw fsError('read the superblock of', device, err);
    });
  }

  mount(spec: MountSpec): Promise<'mounted' | 'already'> {
    return mountSpec(spec, this.root, this.filter);
  }

  async unmount(
    target: string,
    opts: {lazy?: boolean; recursive?: boolean} = {},
  ): Promise<'unmounted' | 'not-mounted'> {
    const real = this.resolvePath(target);
    if (!topMountAt(await readMountinfo(), real)) return 'not-mounted';
    const argv = umountArgs(real, opts);
    if (opts.recursive || !(await unmountBySyscall(real, opts, argv))) await runTool(argv);
    return 'unmounted';
  }

  async listMounts(): Promise<MountEntry[]> {
    const out: MountEntry[] = [];
    for (const entry of await readMountinfo()) {
      const target = toRootRelative(this.root, entry.target);
      if (target !== undefined) out.push({...entry, target});
    }
    return out;
  }

  attachLoop(image: string, opts: {readOnly: boolean; partscan?: boolean}): Promise<string> {
    return attachLoop(this.resolvePath(image), opts);
  }

  detachLoop(device: string): Promise<void> {
    return detachLoop(device);
  }

  findDevice(spec: string): Promise<string | undefined> {
    return findDevice(spec, this.filter, this.noteChoice);
  }

  lookupDevices(specs: readonly string[]): Promise<Map<string, DeviceLookup>> {
    return lookupDevices(specs, this.filter, this.noteChoice);
  }

  takeDeviceChoices(spec: string): DeviceChoice[] {
    const taken = this.choices.filter((c) => c.spec === spec);
    this.choices = this.choices.filter((c) => c.spec !== spec);
    return taken;
  }

  // A wait looks again on every event: the same choice is kept once.
  private readonly noteChoice = (choice: DeviceChoice): void => {
    if (!this.choices.some((c) => c.spec === choice.spec && c.device === choice.device))
      this.choices.push(choice);
  };

  waitForDevice(spec: string, opts: WaitOptions): Promise<string> {
    const parsed = parseDeviceSpec(spec);
    // A path shows up as a new node in /dev (a loop partition, a USB disk), unlike a label.
    const events =
      parsed?.kind === 'path' ? {...this.events, watchDirs: [...this.events.watchDirs, '/dev']} : this.events;
    return waitForEvent(spec, () => this.findDevice(spec), events, opts);
  }

  listLuksContainers(): Promise<LuksContainer[]> {
    return scanLuksContainers(this.filter);
  }

  readMemberTypes(): Promise<MemberTypes | undefined> {
    return scanMemberTypes(this.filter);
  }

  waitForBlock(what: string, find: () => Promise<string | undefined>, opts: WaitOptions): Promise<string> {
    return waitForEvent(what, find, this.events, opts);
  }

  waitForPath(paths: readonly string[], opts: WaitOptions): Promise<string> {
    const find = async () => {
      for (const p of paths) if (await this.exists(p)) return p;
      return undefined;
    };
    // devtmpfs reports each node the kernel makes to inotify: the directory is the event source.
    const watchDirs = [...new Set(paths.map((p) => path.dirname(this.resolvePath(p))))];
    return waitForEvent(paths.join(' or '), find, {watchDirs}, opts);
  }

  async udevRunning(): Promise<boolean> {
    return (await fs.lstat(this.linkEvents.control).catch(() => undefined)) !== undefined;
  }

  async waitForLink(link: string, device: string, opts: WaitOptions): Promise<'linked' | 'no-udev'> {
    if (!(await this.udevRunning())) return 'no-udev';
    const want = await fs.realpath(device).catch(() => device);
    const find = async () => ((await fs.realpath(link).catch(() => undefined)) === want ? link : undefined);
    // The link's directory may not exist yet (the first labelled filesystem): /dev/disk sees it made.
    const watchDirs = [path.dirname(link), path.dirname(path.dirname(link))];
    await waitForEvent(link, find, {watchDirs, monitorArgv: this.linkEvents.monitorArgv}, opts);
    return 'linked';
  }

  async findTool(name: string): Promise<string | undefined> {
    for (const dir of (process.env.PATH || DEFAULT_PATH).split(':')) {
      if (dir === '') continue;
      const candidate = path.join(dir, name);
      const st = await fs.stat(candidate).catch(() => undefined);
      if (st?.isFile() && (st.mode & 0o111) !== 0) return candidate;
    }
    return undefined;
  }

  async probe(device: string): Promise<BlockInfo | undefined> {
    const real = this.devicePath(device);
    const own = await readBlockInfo(real).catch((err) => {
      throw fsError('probe', device, err);
    });
    if (own) return own;
    // A filesystem we do not read ourselves: ask blkid, bypassing its cache (-p). Exit 2: nothing.
    const {stdout, exitCode} = await runTool(blkidProbeArgs(real), {okExitCodes: [2]});
    return exitCode === 2 ? undefined : blockInfoFromBlkid(parseBlkidExport(stdout));
  }

  async fsck(device: string, opts: FsckOptions): Promise<FsckResult> {
    const real = this.devicePath(device);
    const argv = e2fsckArgs(real, opts);
    if (!argv) return {outcome: 'skipped', output: 'fsck.mode=skip'};
    // One read of the head tells the type and, for ext, whether e2fsck has work: it was read
    // twice per checked device (the type, then the health).
    const head = await readHead(real).catch(() => undefined);
    const info = (head && parseSuperblock(head)) ?? (await readBlockInfo(real).catch(() => undefined));
    if (info && !/^ext[234]$/.test(info.fstype)) {
      return {outcome: 'skipped', output: `${info.fstype} is not checked (only ext2/3/4 are)`};
    }
    if (opts.mode === 'auto') {
      const reason = extCheckReason(head ?? (await readHead(real)), Date.now() / 1000);
      if (reason === undefined)
        return {
          outcome: 'clean',
          output: 'clean by its superblock (cleanly unmounted, no errors, no check due): e2fsck not run',
        };
    }
    try {
      const r = await runTool(argv, {okExitCodes: [1, 2]});
      const outcome = fsckOutcome(r.exitCode) ?? 'reboot-advised';
      return {outcome, exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}`.trim()};
    } catch (err) {
      if (!(err instanceof SysError) || err.code !== 'EEXIT') throw err;
      throw new SysError(err.message, {
        code: 'EEXIT',
        argv,
        ...(err.exitCode !== undefined ? {exitCode: err.exitCode} : {}),
        ...(err.stderr !== undefined ? {stderr: err.stderr} : {}),
        hint: `The filesystem has errors fsck did not fix: run e2fsck -f ${device} from the emergency shell, or boot with fsck.repair=yes.`,
        cause: err,
      });
    }
  }

  async waitForKey(terminal: string, opts: KeyWaitOptions): Promise<'key' | 'timeout'> {
    try {
      // In its own process group: at the timeout the whole group goes, not only the shell (a dd
      // left behind would eat the next key typed on the console).
      await runTool(waitKeyArgs(terminal, opts.prompt), {
        processGroup: true,
        timeoutMs: opts.timeoutMs,
        ...(opts.signal ? {signal: opts.signal} : {}),
      });
      return 'key';
    } catch (err) {
      if (err instanceof SysError && err.code === 'ETIMEDOUT') return 'timeout';
      throw err;
    }
  }

  run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return runTool(argv, opts.cwd === undefined ? opts : {...opts, cwd: this.resolvePath(opts.cwd)});
  }

  /** A device node is real; an image file is an immucore path. */
  private devicePath(device: string): string {
    return isDevicePath(device) ? device : this.resolvePath(device);
  }
}

/**
 * A new file at `p` holding `text`: what is there (a temp file a power loss left) goes first, and
 * `wx` then refuses anything that appears in its place (a symlink is never followed). Synchronous
 * but for the fsync (`flush`): a first boot writes ~40 seed records, and an async call per step (a
 * hop to bun's thread pool and back) cost more CPU than the small writes; the fsync waits on the
 * disk, so it alone stays off the event loop.
 */
async function writeNewFile(p: string, text: string, mode: number, flush: boolean): Promise<void> {
  rmSync(p, {force: true});
  const fd = openSync(p, 'wx', mode);
  try {
    writeFileSync(fd, text);
    fchmodSync(fd, mode);
    if (flush) await new Promise<void>((ok, fail) => fsync(fd, (err) => (err ? fail(err) : ok())));
  } finally {
    closeSync(fd);
  }
}

/** Nothing at `p` (not even a dangling link); any other error is left to the call that follows. */
function isMissing(p: string): boolean {
  try {
    return lstatSync(p, {throwIfNoEntry: false}) === undefined;
  } catch {
    return false;
  }
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function fsError(what: string, p: string, err: unknown): SysError {
  const code = errno(err) ?? 'EIO';
  return new SysError(`Cannot ${what} ${p}: ${err instanceof Error ? err.message : String(err)}`, {
    code,
    cause: err,
  });
}

/** The first 2 KiB of a device: enough for the ext superblock. */
async function readHead(device: string): Promise<Buffer> {
  const fh = await fs.open(device, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const {bytesRead} = await fh.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
