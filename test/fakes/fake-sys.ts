// The one fake of the sys seam, for unit tests of steps and stages: an in-memory tree of files,
// directories and symlinks, block devices found by label, loop devices, scripted tools, and every
// call with an effect recorded in order. It refuses what the kernel refuses (a write into a missing
// directory, a mount on a missing target or from a missing layer, reading a directory), so a step
// that forgets to make a directory fails here too. Integration tests use LinuxSys instead.
import path from 'node:path';
import type {MemberTypes} from '../../src/boot/activation.ts';
import type {LuksContainer} from '../../src/boot/luks.ts';
import type {MountSpec} from '../../src/boot/mount-spec.ts';
import type {TreeEntry, TreeListing} from '../../src/boot/seed.ts';
import {resolveUnder} from '../../src/sys/paths.ts';
import {
  type BlockInfo,
  type DeviceChoice,
  type DeviceLookup,
  type FsckOptions,
  type FsckResult,
  type KeyWaitOptions,
  type MountEntry,
  type RunOptions,
  type RunResult,
  type Sys,
  SysError,
  type WaitOptions,
} from '../../src/sys/sys.ts';

export interface FakeDevice {
  device: string;
  info: BlockInfo;
  /** Probing finds no filesystem on it (a damaged superblock): `info` is not answered. */
  blank?: boolean;
}

/** Answers a tool run: `undefined` is success with no output; a non-zero exit throws unless `okExitCodes`. */
export type RunScript = (
  argv: readonly string[],
  opts: RunOptions,
) => RunResult | Promise<RunResult> | undefined;

export interface FakeSysOptions {
  /** Block devices, found by `LABEL=`/`UUID=` or their `/dev` path. */
  devices?: FakeDevice[];
  /** Files (and so their parent directories): `{'/proc/cmdline': 'root=...'}`. */
  files?: Record<string, string>;
  /** How tools answer; default: exit 0. */
  run?: RunScript;
  /**
   * What the filesystem of an attached image says about itself; default ext4 labelled COS_ACTIVE.
   * `null`: probing finds no filesystem (a damaged superblock).
   */
  loopInfo?: BlockInfo | null;
  /** Tools on PATH (`findTool`), e.g. `['lvm', 'mdadm']`; default none. */
  tools?: string[];
  /**
   * udevd, for `waitForLink`: `running` (default) makes every link at once, `absent` has none
   * running, `stalled` never makes the link (the wait times out).
   */
  udev?: 'running' | 'absent' | 'stalled';
  /** How waitForKey answers, at once: a key was pressed, or nobody pressed one (the default). */
  key?: 'key' | 'timeout';
  /** LUKS containers, as listLuksContainers finds them. */
  luks?: LuksContainer[];
  /**
   * readMemberTypes' answer: kernel name → member type ('' none, null unreadable). Default: the
   * devices cannot be listed (undefined).
   */
  members?: Record<string, string | null>;
  /**
   * Block device events, for `waitForBlock`: after its first look, each one changes the machine
   * (a disk comes) and `find` looks once more; then the wait times out. None by default.
   */
  blockEvents?: Array<(sys: FakeSys) => void>;
}

const parentOf = (p: string) => path.posix.dirname(p);

export class FakeSys implements Sys {
  readonly root = '/';
  /**
   * Every call with an effect, in order: `write <path>`, `writeAll <paths> flush|unflushed`, `symlink <path> -> <target>`,
   * `copyTree <from> <to>`, `copyEntries <from> <to> <entries>`, `rename <from> <to>`,
   * `removeScratch <path>`, `setAttributes <path> <mode> <uid>:<gid>`, `syncFs <path>`, `mount <fstype> <source> <target>`, `unmount <target>`,
   * `attachLoop <image> ro|rw`, `detachLoop <device>`, `waitForDevice <spec>`, `waitForPath <paths>`,
   * `waitForLink <link> -> <device>`, `fsck <device> <mode>`, `waitForKey <terminal> <timeoutMs>`, `run <argv>`. Not `mkdirp` (check
   * `dirs`), nor reads (`findTool` neither).
   */
  readonly calls: string[] = [];
  readonly files = new Map<string, {text: string; mode?: number}>();
  readonly dirs = new Set<string>(['/']);
  readonly links = new Map<string, string>();
  /** Mode, owner and mtime of any path, where a test sets them (default 0755/0644/0777, root, 0). */
  readonly meta = new Map<string, Partial<TreeEntry>>();
  /** Every tool run, as its argv. */
  readonly runs: string[][] = [];
  /** Every mount made (an `already` one is not), in order; unmounting does not remove it. */
  readonly mounts: MountSpec[] = [];
  /** Every target unmounted, in order. */
  readonly unmounts: string[] = [];
  /** The prompt of every waitForKey, in order. */
  readonly keyPrompts: string[] = [];
  /** Every fsck asked for, with its options. */
  readonly fscks: Array<{device: string} & FsckOptions> = [];
  readonly devices: FakeDevice[];
  /** LUKS containers; a test may add or open some (set `openAs`) as a tool run would. */
  readonly luks: LuksContainer[];
  /** How many whole-machine scans ran: LUKS headers (listLuksContainers), superblocks (lookupDevices). */
  readonly scans = {luks: 0, superblocks: 0};
  /** How many times readMemberTypes read the disks' LVM and md signatures. */
  memberScans = 0;
  private readonly blockEvents: Array<(sys: FakeSys) => void>;
  private readonly script: RunScript;
  private readonly loopInfo: BlockInfo | null;
  private readonly tools: string[];
  private readonly udev: NonNullable<FakeSysOptions['udev']>;
  private readonly key: 'key' | 'timeout';
  private readonly members: FakeSysOptions['members'];
  private readonly loops = new Map<string, string>();
  private readonly active: MountSpec[] = [];
  private readonly faults: Array<{op: string | RegExp; code: string; times: number}> = [];
  private nextLoop = 7;

  constructor(opts: FakeSysOptions = {}) {
    this.devices = [...(opts.devices ?? [])];
    this.luks = [...(opts.luks ?? [])];
    this.blockEvents = [...(opts.blockEvents ?? [])];
    this.script = opts.run ?? (() => undefined);
    this.loopInfo = opts.loopInfo === undefined ? {fstype: 'ext4', label: 'COS_ACTIVE'} : opts.loopInfo;
    this.tools = opts.tools ?? [];
    this.udev = opts.udev ?? 'running';
    this.key = opts.key ?? 'timeout';
    this.members = opts.members;
    this.with(opts.files ?? {});
  }

  /** Add files (and their parent directories): `{'/oem/a.yaml': 'text'}`. */
  with(files: Record<string, string>): this {
    for (const [p, text] of Object.entries(files)) {
      const at = resolveUnder('/', p);
      this.addDirs(parentOf(at));
      this.files.set(at, {text});
    }
    return this;
  }

  /**
   * Make every later operation that matches `op` throw a SysError with `code`. Operations read as the
   * calls do (`mount overlay overlay /sysroot/var`), plus `mkdirp <path>` and `read <path>`; a string
   * must match whole. A recorded call is recorded before it fails. `times`: fail that often, then
   * succeed (a disk that was full, then freed).
   */
  fail(op: string | RegExp, code = 'EIO', opts: {times?: number} = {}): this {
    this.faults.push({op, code, times: opts.times ?? Number.POSITIVE_INFINITY});
    return this;
  }

  resolvePath(p: string): string {
    return resolveUnder('/', p);
  }

  // Files.

  async readText(p: string) {
    const at = this.resolvePath(p);
    this.check(`read ${at}`);
    if (this.dirs.has(at)) throw new SysError(`Cannot read ${at}: EISDIR`, {code: 'EISDIR'});
    return this.files.get(at)?.text;
  }

  /** `atomic` changes nothing here: the fake has no power to lose. */
  async writeText(p: string, text: string, opts: {mode?: number; atomic?: boolean | 'unflushed'} = {}) {
    const at = this.resolvePath(p);
    this.record(`write ${at}`);
    if (!this.dirs.has(parentOf(at))) throw new SysError(`Cannot write ${at}: ENOENT`, {code: 'ENOENT'});
    if (this.dirs.has(at)) throw new SysError(`Cannot write ${at}: EISDIR`, {code: 'EISDIR'});
    const mode = opts.mode ?? this.files.get(at)?.mode;
    this.files.set(at, {text, ...(mode === undefined ? {} : {mode})});
  }

  /** One call recorded (`writeAll <paths> flush|unflushed`); each file checked as writeText does. */
  async writeTextsAtomic(files: Array<{path: string; text: string}>, opts: {flush: boolean}) {
    const ats = files.map((f) => this.resolvePath(f.path));
    this.record(`writeAll ${ats.join(' ')} ${opts.flush ? 'flush' : 'unflushed'}`);
    for (const at of ats) {
      if (!this.dirs.has(parentOf(at))) throw new SysError(`Cannot write ${at}: ENOENT`, {code: 'ENOENT'});
      if (this.dirs.has(at)) throw new SysError(`Cannot write ${at}: EISDIR`, {code: 'EISDIR'});
    }
    for (const [i, f] of files.entries()) {
      const at = ats[i] as string;
      const mode = this.files.get(at)?.mode;
      this.files.set(at, {text: f.text, ...(mode === undefined ? {} : {mode})});
    }
  }

  async mkdirp(...paths: string[]) {
    for (const p of paths) {
      const at = this.resolvePath(p);
      this.check(`mkdirp ${at}`);
      for (let d = at; d !== '/'; d = parentOf(d)) {
        if (this.files.has(d) || this.links.has(d))
          throw new SysError(`Cannot create directory ${at}: ${d} is not a directory`, {code: 'ENOTDIR'});
      }
      this.addDirs(at);
    }
  }

  async exists(p: string) {
    const at = this.resolvePath(p);
    return this.dirs.has(at) || this.files.has(at) || this.links.has(at);
  }

  async readdir(p: string) {
    const at = this.resolvePath(p);
    this.check(`readdir ${at}`);
    if (!this.dirs.has(at)) return undefined;
    const names = [...this.dirs, ...this.files.keys(), ...this.links.keys()]
      .filter((x) => x !== at && parentOf(x) === at)
      .map((x) => path.posix.basename(x));
    return [...new Set(names)].sort();
  }

  /** Like LinuxSys: `already` when the same link is there; anything else in the way is EEXIST. */
  async symlink(target: string, p: string) {
    const at = this.resolvePath(p);
    this.record(`symlink ${at} -> ${target}`);
    if (this.links.get(at) === target) return 'already' as const;
    if (!this.dirs.has(parentOf(at)))
      throw new SysError(`Cannot link to ${target} at ${at}: ENOENT`, {code: 'ENOENT'});
    if (await this.exists(at))
      throw new SysError(`Cannot link to ${target} at ${at}: EEXIST`, {code: 'EEXIST'});
    this.links.set(at, target);
    return 'created' as const;
  }

  async readlink(p: string) {
    return this.links.get(this.resolvePath(p));
  }

  /** `p` when it exists and no component of it is a symlink; else the link followed (undefined if missing). */
  async realpath(p: string) {
    let at = this.resolvePath(p);
    for (let hops = 0; hops < 40; hops++) {
      const d = this.firstLink(at);
      if (d === undefined) return this.has(at) ? at : undefined;
      at = path.posix.resolve(parentOf(d), this.links.get(d) as string) + at.slice(d.length);
    }
    return undefined;
  }

  /** The top-most component of `at` that is a symlink. */
  private firstLink(at: string): string | undefined {
    const parts = at.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = `/${parts.slice(0, i).join('/')}`;
      if (this.links.has(d)) return d;
    }
    return undefined;
  }

  // Persistent state seeds.

  /** Like LinuxSys: lstat's view of every entry below `p`; mode, owner and mtime from `meta`. */
  async listTree(p: string): Promise<TreeListing | undefined> {
    const at = this.resolvePath(p);
    this.check(`listTree ${at}`);
    if (!this.has(at)) return undefined;
    if (!this.dirs.has(at)) throw new SysError(`Cannot list ${at}: not a directory`, {code: 'ENOTDIR'});
    const out: TreeListing = new Map();
    for (const x of [at, ...this.below(at)]) out.set(x === at ? '' : x.slice(at.length + 1), this.entry(x));
    return out;
  }

  /** Like LinuxSys: only below directories, never through a link. */
  async statEntries(p: string, paths: string[]): Promise<TreeListing> {
    const at = this.resolvePath(p);
    const out: TreeListing = new Map();
    for (const rel of [...paths].sort()) {
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      if (rel !== '' && out.get(parent)?.type !== 'dir') continue;
      const x = rel === '' ? at : `${at}/${rel}`;
      if (this.has(x)) out.set(rel, this.entry(x));
    }
    return out;
  }

  async copyTree(from: string, to: string) {
    const [src, dst] = [this.resolvePath(from), this.resolvePath(to)];
    this.record(`copyTree ${src} ${dst}`);
    if (!this.dirs.has(src))
      throw new SysError(`Cannot copy up ${src}: not a directory`, {
        code: this.has(src) ? 'ENOTDIR' : 'ENOENT',
      });
    if (this.has(dst)) throw new SysError(`Cannot copy ${src} to ${dst}: ${dst} exists`, {code: 'EEXIST'});
    this.addDirs(parentOf(dst));
    this.copyPath(src, dst);
  }

  async copyEntries(from: string, entries: string[], to: string) {
    const [src, dst] = [this.resolvePath(from), this.resolvePath(to)];
    this.record(`copyEntries ${src} ${dst} ${entries.join(' ')}`);
    for (const rel of entries) {
      if (!this.has(`${src}/${rel}`)) throw new SysError(`cp: cannot stat '${rel}'`, {code: 'EEXIT'});
      this.addDirs(parentOf(`${dst}/${rel}`));
      this.copyPath(`${src}/${rel}`, `${dst}/${rel}`);
    }
  }

  /** Like rename(2): replaces a file or link, refuses a directory in the way or a missing parent. */
  async rename(from: string, to: string) {
    const [src, dst] = [this.resolvePath(from), this.resolvePath(to)];
    this.record(`rename ${src} ${dst}`);
    if (!this.has(src)) throw new SysError(`Cannot move ${src}: ENOENT`, {code: 'ENOENT'});
    if (!this.dirs.has(parentOf(dst)))
      throw new SysError(`Cannot move ${src} to ${dst}: ENOENT`, {code: 'ENOENT'});
    if (this.dirs.has(dst)) throw new SysError(`Cannot move ${src} to ${dst}: EISDIR`, {code: 'EISDIR'});
    this.drop(dst);
    this.copyPath(src, dst);
    this.drop(src);
  }

  async removeScratch(p: string) {
    const at = this.resolvePath(p);
    this.record(`removeScratch ${at}`);
    const there = this.has(at);
    this.drop(at);
    return there;
  }

  async setAttributes(p: string, attrs: {mode: number; uid: number; gid: number}) {
    const at = this.resolvePath(p);
    this.record(`setAttributes ${at} ${attrs.mode.toString(8)} ${attrs.uid}:${attrs.gid}`);
    this.meta.set(at, {...this.meta.get(at), ...attrs});
  }

  async syncFs(p: string) {
    this.record(`syncFs ${this.resolvePath(p)}`);
  }

  /** From the device's BlockInfo: change its uuid to boot "another image". */
  async fsIdentity(device: string) {
    const info = this.devices.find((d) => d.device === device)?.info;
    return info && `${info.fstype} UUID=${info.uuid ?? ''} LABEL=${info.label ?? ''}`;
  }

  // Mounts.

  /** Refuses a missing target, bind source or overlay layer, and an unknown `/dev` source. */
  async mount(spec: MountSpec) {
    const target = this.resolvePath(spec.target);
    this.record(`mount ${spec.fstype} ${spec.source} ${target}`);
    const missing = (p: string) =>
      !this.dirs.has(this.resolvePath(p)) && !this.files.has(this.resolvePath(p));
    const fail = (why: string) =>
      new SysError(`Cannot mount ${spec.source} on ${target}: ${why}`, {code: 'ENOENT'});
    if (missing(target)) throw fail('no such mountpoint');
    const bind = spec.options.includes('bind');
    // A bind's source is a directory, also under /dev (/dev/pts).
    if (!bind && spec.source.startsWith('/dev/') && !this.devices.some((d) => d.device === spec.source))
      throw fail('no such device');
    if (bind && missing(spec.source)) throw fail('no such bind source');
    for (const o of spec.options) {
      const m = /^(lowerdir|upperdir|workdir)=(.*)$/.exec(o);
      for (const dir of m?.[2]?.split(':') ?? [])
        if (!this.dirs.has(this.resolvePath(dir))) throw fail(`no ${m?.[1]} ${dir}`);
    }
    const top = this.active.findLast((m) => this.resolvePath(m.target) === target);
    if (top && top.source === spec.source && top.fstype === spec.fstype && sameUpper(top, spec))
      return 'already' as const;
    this.mounts.push(spec);
    this.active.push(spec);
    return 'mounted' as const;
  }

  async unmount(target: string) {
    const at = this.resolvePath(target);
    this.record(`unmount ${at}`);
    this.unmounts.push(at);
    const i = this.active.findLastIndex((m) => this.resolvePath(m.target) === at);
    if (i < 0) return 'not-mounted' as const;
    this.active.splice(i, 1);
    return 'unmounted' as const;
  }

  /** The mounts still in place, in mount order. */
  async listMounts(): Promise<MountEntry[]> {
    return this.active.map((m, i) => ({
      id: 100 + i,
      parentId: 1,
      majorMinor: '0:0',
      root: m.options.includes('bind') ? m.source : '/',
      target: this.resolvePath(m.target),
      options: m.options.filter((o) => o === 'ro' || o === 'rw'),
      fstype: m.fstype,
      source: m.source,
      superOptions: m.options.filter((o) => o.includes('=')),
    }));
  }

  // Loop and block devices.

  async attachLoop(image: string, opts: {readOnly: boolean}) {
    const at = this.resolvePath(image);
    this.record(`attachLoop ${at}${opts.readOnly ? ' ro' : ' rw'}`);
    if (!this.files.has(at)) throw new SysError(`Cannot attach ${at}: no such file`, {code: 'ENOENT'});
    const key = `${at} ${opts.readOnly}`;
    const attached = this.loops.get(key);
    if (attached) return attached;
    const device = `/dev/loop${this.nextLoop++}`;
    this.loops.set(key, device);
    this.devices.push(
      this.loopInfo ? {device, info: {...this.loopInfo}} : {device, info: {fstype: ''}, blank: true},
    );
    return device;
  }

  async detachLoop(device: string) {
    this.record(`detachLoop ${device}`);
    for (const [key, d] of this.loops) if (d === device) this.loops.delete(key);
  }

  async findDevice(spec: string) {
    if (spec.startsWith('/dev/')) return this.devices.find((d) => d.device === spec)?.device;
    const at = spec.indexOf('=');
    const [kind, value] = [spec.slice(0, at), spec.slice(at + 1)];
    const found = this.devices.filter((d) =>
      kind === 'LABEL' || kind === 'CDLABEL'
        ? d.info.label === value
        : kind === 'UUID' && d.info.uuid === value,
    );
    if (found.length > 1) throw new SysError(`${spec} names ${found.length} devices`, {code: 'EDUPLICATE'});
    return found[0]?.device;
  }

  /** Duplicates the same-disk rule resolved, as LinuxSys notes them (a test sets them). */
  deviceChoices: DeviceChoice[] = [];

  takeDeviceChoices(spec: string): DeviceChoice[] {
    const taken = this.deviceChoices.filter((c) => c.spec === spec);
    this.deviceChoices = this.deviceChoices.filter((c) => c.spec !== spec);
    return taken;
  }

  async lookupDevices(specs: readonly string[]) {
    this.scans.superblocks++;
    const out = new Map<string, DeviceLookup>();
    for (const spec of specs) {
      try {
        const device = await this.findDevice(spec);
        if (device) out.set(spec, {device, bySuperblock: true});
      } catch (err) {
        if (err instanceof SysError && err.code === 'EDUPLICATE') out.set(spec, 'duplicate');
        else throw err;
      }
    }
    return out;
  }

  async listLuksContainers() {
    this.scans.luks++;
    return this.luks.map((c) => ({...c}));
  }

  async readMemberTypes(): Promise<MemberTypes | undefined> {
    this.memberScans++;
    if (!this.members) return undefined;
    return new Map(Object.entries(this.members).map(([name, t]) => [name, t ?? undefined]));
  }

  /** `find` answers now, or after one of the `blockEvents`, or the wait times out. */
  async waitForBlock(what: string, find: () => Promise<string | undefined>, opts: WaitOptions) {
    this.record(`waitForBlock ${what}`);
    if (opts.signal?.aborted) throw new SysError(`Waiting for ${what} was cancelled`, {code: 'ABORT_ERR'});
    let found = await find();
    while (found === undefined && this.blockEvents.length > 0) {
      this.blockEvents.shift()?.(this);
      found = await find();
    }
    if (found === undefined)
      throw new SysError(`${what} did not appear within ${opts.timeoutMs} ms`, {code: 'ETIMEDOUT'});
    return found;
  }

  /** Answers at once: one of the paths is there (the first), or the wait times out. */
  async waitForPath(paths: readonly string[], opts: WaitOptions) {
    this.record(`waitForPath ${paths.join(' ')}`);
    if (opts.signal?.aborted)
      throw new SysError(`Waiting for ${paths.join(' or ')} was cancelled`, {code: 'ABORT_ERR'});
    for (const p of paths) if (await this.exists(p)) return p;
    throw new SysError(`Device ${paths.join(' or ')} did not appear within ${opts.timeoutMs} ms`, {
      code: 'ETIMEDOUT',
    });
  }

  /** Answers at once: the device is there, or the wait times out (there are no events to wait on). */
  async waitForDevice(spec: string, opts: WaitOptions) {
    this.record(`waitForDevice ${spec}`);
    if (opts.signal?.aborted) throw new SysError(`Waiting for ${spec} was cancelled`, {code: 'ABORT_ERR'});
    const device = await this.findDevice(spec);
    if (!device)
      throw new SysError(`Device ${spec} did not appear within ${opts.timeoutMs} ms`, {code: 'ETIMEDOUT'});
    return device;
  }

  async udevRunning() {
    return this.udev !== 'absent';
  }

  async waitForLink(link: string, device: string, opts: WaitOptions) {
    this.record(`waitForLink ${link} -> ${device}`);
    if (opts.signal?.aborted) throw new SysError(`Waiting for ${link} was cancelled`, {code: 'ABORT_ERR'});
    if (this.udev === 'absent') return 'no-udev' as const;
    if (this.udev === 'stalled')
      throw new SysError(`Device ${link} did not appear within ${opts.timeoutMs} ms`, {code: 'ETIMEDOUT'});
    return 'linked' as const;
  }

  async findTool(name: string) {
    return this.tools.includes(name) ? `/usr/sbin/${name}` : undefined;
  }

  async probe(device: string) {
    this.check(`probe ${device}`);
    const found = this.devices.find((d) => d.device === device);
    return found?.blank ? undefined : found?.info;
  }

  async fsck(device: string, opts: FsckOptions): Promise<FsckResult> {
    this.record(`fsck ${device} ${opts.mode}`);
    this.fscks.push({device, ...opts});
    return {outcome: 'clean', exitCode: 0, output: ''};
  }

  /** Answers at once with the `key` option (there is no clock to wait on). */
  async waitForKey(terminal: string, opts: KeyWaitOptions) {
    this.record(`waitForKey ${terminal} ${opts.timeoutMs}`);
    this.keyPrompts.push(opts.prompt ?? '');
    if (opts.signal?.aborted)
      throw new SysError(`Waiting for a key on ${terminal} was cancelled`, {code: 'ABORT_ERR'});
    return this.key;
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.record(`run ${argv.join(' ')}`);
    this.runs.push([...argv]);
    const r = (await this.script(argv, opts)) ?? {exitCode: 0, stdout: '', stderr: ''};
    if (r.exitCode === 0 || opts.okExitCodes?.includes(r.exitCode)) return r;
    throw new SysError(`${argv.join(' ')} exited ${r.exitCode}: ${r.stderr}`, {
      code: 'EEXIT',
      argv,
      exitCode: r.exitCode,
      stderr: r.stderr,
    });
  }

  /** Every path strictly below `at`, sorted. */
  private below(at: string): string[] {
    return [...this.dirs, ...this.files.keys(), ...this.links.keys()]
      .filter((x) => x.startsWith(`${at}/`))
      .sort();
  }

  private entry(x: string): TreeEntry {
    const m = this.meta.get(x) ?? {};
    const file = this.files.get(x);
    const link = this.links.get(x);
    const type = this.dirs.has(x) ? 'dir' : link !== undefined ? 'link' : 'file';
    const mode = m.mode ?? file?.mode ?? (type === 'dir' ? 0o755 : type === 'link' ? 0o777 : 0o644);
    const e: TreeEntry = {
      type,
      mode,
      uid: m.uid ?? 0,
      gid: m.gid ?? 0,
      size: file ? Buffer.byteLength(file.text) : 0,
      mtimeMs: m.mtimeMs ?? 0,
    };
    if (link !== undefined) e.link = link;
    return e;
  }

  /** Copy `src` and everything below it to `dst`, with its meta (a copy keeps everything). */
  private copyPath(src: string, dst: string) {
    for (const x of [src, ...this.below(src)]) {
      const there = `${dst}${x.slice(src.length)}`;
      if (this.dirs.has(x)) this.dirs.add(there);
      const file = this.files.get(x);
      if (file) this.files.set(there, {...file});
      const link = this.links.get(x);
      if (link !== undefined) this.links.set(there, link);
      const meta = this.meta.get(x);
      if (meta) this.meta.set(there, {...meta});
    }
  }

  /** Forget `at` and everything below it. */
  private drop(at: string) {
    for (const x of [at, ...this.below(at)]) {
      this.dirs.delete(x);
      this.files.delete(x);
      this.links.delete(x);
      this.meta.delete(x);
    }
  }

  private has(p: string): boolean {
    return this.dirs.has(p) || this.files.has(p) || this.links.has(p);
  }

  private addDirs(p: string) {
    for (let d = p; d !== '/' && d !== '.'; d = parentOf(d)) this.dirs.add(d);
  }

  private record(op: string) {
    this.calls.push(op);
    this.check(op);
  }

  private check(op: string) {
    const fault = this.faults.find(
      (f) => f.times > 0 && (typeof f.op === 'string' ? f.op === op : f.op.test(op)),
    );
    if (fault) fault.times--;
    if (fault) throw new SysError(`${op}: ${fault.code} (injected)`, {code: fault.code});
  }
}

function sameUpper(a: MountSpec, b: MountSpec): boolean {
  const upper = (m: MountSpec) => m.options.find((o) => o.startsWith('upperdir='));
  return upper(a) === upper(b);
}
