// A recording fake of the sys seam for unit tests of step logic: an in-memory file tree, devices
// found by label, and every call recorded in order. Integration tests use LinuxSys instead.
import path from 'node:path';
import type {MountSpec} from '../../src/boot/mount-spec.ts';
import {
  type BlockInfo,
  type CopyUpResult,
  type FsckOptions,
  type FsckResult,
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
}

export class FakeSys implements Sys {
  readonly root = '/';
  readonly calls: string[] = [];
  readonly files = new Map<string, {text: string; mode?: number}>();
  readonly dirs = new Set<string>(['/']);
  readonly links = new Map<string, string>();
  readonly mounts: MountSpec[] = [];
  private nextLoop = 7;

  constructor(
    private readonly devices: FakeDevice[] = [],
    files: Record<string, string> = {},
  ) {
    for (const [p, text] of Object.entries(files)) this.addFile(p, text);
  }

  addFile(p: string, text: string): void {
    this.files.set(p, {text});
    this.addDir(path.posix.dirname(p));
  }

  addDir(p: string): void {
    for (let d = p; d !== '/'; d = path.posix.dirname(d)) this.dirs.add(d);
  }

  resolvePath(p: string): string {
    return p;
  }

  async readText(p: string) {
    return this.files.get(p)?.text;
  }
  async writeText(p: string, text: string, opts: {mode?: number} = {}) {
    if (!this.dirs.has(path.posix.dirname(p)))
      throw new SysError(`write ${p}: no such directory`, {code: 'ENOENT'});
    this.calls.push(`write ${p}`);
    this.files.set(p, {text, ...(opts.mode === undefined ? {} : {mode: opts.mode})});
  }
  async mkdirp(...paths: string[]) {
    for (const p of paths) this.addDir(p);
  }
  async exists(p: string) {
    return this.dirs.has(p) || this.files.has(p) || this.links.has(p);
  }
  async readdir(p: string) {
    if (!this.dirs.has(p)) return undefined;
    const kids = [...this.dirs, ...this.files.keys(), ...this.links.keys()].filter(
      (x) => x !== p && path.posix.dirname(x) === p,
    );
    return [...new Set(kids.map((x) => path.posix.basename(x)))].sort();
  }
  async symlink(target: string, p: string) {
    if (this.links.has(p)) return 'already' as const;
    this.calls.push(`symlink ${p} -> ${target}`);
    this.links.set(p, target);
    return 'created' as const;
  }
  async readlink(p: string) {
    return this.links.get(p);
  }
  async copyUp(from: string, to: string): Promise<CopyUpResult> {
    this.calls.push(`copyUp ${from} ${to}`);
    return {copied: 0};
  }
  async mount(spec: MountSpec) {
    this.calls.push(`mount ${spec.fstype} ${spec.source} ${spec.target}`);
    this.mounts.push(spec);
    this.addDir(spec.target);
    return 'mounted' as const;
  }
  async unmount(target: string) {
    this.calls.push(`unmount ${target}`);
    return 'unmounted' as const;
  }
  async listMounts(): Promise<MountEntry[]> {
    return [];
  }
  async attachLoop(image: string, opts: {readOnly: boolean}) {
    if (!this.files.has(image)) throw new SysError(`losetup ${image}: no such file`, {code: 'ENOENT'});
    const device = `/dev/loop${this.nextLoop++}`;
    this.calls.push(`attachLoop ${image}${opts.readOnly ? ' ro' : ' rw'}`);
    this.devices.push({device, info: {fstype: 'ext4', label: 'COS_ACTIVE'}});
    return device;
  }
  async detachLoop(device: string) {
    this.calls.push(`detachLoop ${device}`);
  }
  async findDevice(spec: string) {
    const [kind, value] = spec.split('=');
    return this.devices.find((d) => (kind === 'LABEL' ? d.info.label : d.info.uuid) === value)?.device;
  }
  async waitForDevice(spec: string, opts: WaitOptions) {
    this.calls.push(`waitForDevice ${spec}`);
    const device = await this.findDevice(spec);
    if (!device)
      throw new SysError(`Device ${spec} did not appear within ${opts.timeoutMs} ms`, {code: 'ETIMEDOUT'});
    return device;
  }
  async probe(device: string) {
    return this.devices.find((d) => d.device === device)?.info;
  }
  async fsck(device: string, opts: FsckOptions): Promise<FsckResult> {
    this.calls.push(`fsck ${device} ${opts.mode}`);
    return {outcome: 'clean', exitCode: 0, output: ''};
  }
  async run(argv: readonly string[], _opts?: RunOptions): Promise<RunResult> {
    this.calls.push(`run ${argv.join(' ')}`);
    return {exitCode: 0, stdout: '', stderr: ''};
  }
}
