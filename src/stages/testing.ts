// Unit-test helpers for the stages: an in-memory Sys (files, directories, symlinks) that records
// every tool it is asked to run and answers with a scripted result, and a StageContext around it.

import {parseCmdline} from '../boot/cmdline.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import {silentLogger} from '../log/logger.ts';
import {resolveUnder} from '../sys/paths.ts';
import {RootView} from '../sys/root-view.ts';
import {type RunOptions, type RunResult, type Sys, SysError} from '../sys/sys.ts';
import type {StageContext, StageIssue} from './runner.ts';
import {createStepEnv, type StepEnv} from './step-env.ts';

export type RunScript = (
  argv: readonly string[],
  opts: RunOptions,
) => RunResult | Promise<RunResult> | undefined;

export class MemorySys implements Sys {
  readonly root = '/';
  readonly files = new Map<string, {text: string; mode?: number}>();
  readonly dirs = new Set<string>(['/']);
  readonly links = new Map<string, string>();
  readonly runs: string[][] = [];
  readonly mounts: MountSpec[] = [];
  readonly unmounts: string[] = [];

  constructor(private readonly script: RunScript = () => undefined) {}

  /** Add files (and their parent directories): `{'/oem/a.yaml': 'text'}`. */
  with(files: Record<string, string>): this {
    for (const [p, text] of Object.entries(files)) {
      this.addDirs(p.slice(0, p.lastIndexOf('/')) || '/');
      this.files.set(p, {text});
    }
    return this;
  }

  resolvePath(p: string): string {
    return resolveUnder('/', p);
  }
  async readText(p: string) {
    if (this.dirs.has(p)) throw new SysError(`Cannot read ${p}: EISDIR`, {code: 'EISDIR'});
    return this.files.get(p)?.text;
  }
  async writeText(p: string, text: string, opts: {mode?: number} = {}) {
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    if (!this.dirs.has(parent)) throw new SysError(`Cannot write ${p}: ENOENT`, {code: 'ENOENT'});
    this.files.set(p, {text, mode: opts.mode ?? this.files.get(p)?.mode});
  }
  async mkdirp(...paths: string[]) {
    for (const p of paths) this.addDirs(p);
  }
  async exists(p: string) {
    return this.dirs.has(p) || this.files.has(p) || this.links.has(p);
  }
  async readdir(p: string) {
    if (!this.dirs.has(p)) return undefined;
    const names = [...this.dirs, ...this.files.keys(), ...this.links.keys()]
      .filter((x) => x !== p && x.slice(0, x.lastIndexOf('/') || 1) === p)
      .map((x) => x.slice(x.lastIndexOf('/') + 1));
    return [...new Set(names)].sort();
  }
  async symlink(target: string, p: string) {
    this.links.set(p, target);
    return 'created' as const;
  }
  async readlink(p: string) {
    return this.links.get(p);
  }
  async copyUp(): Promise<never> {
    throw new Error('not in MemorySys');
  }
  async mount(spec: MountSpec) {
    this.mounts.push(spec);
    return 'mounted' as const;
  }
  async unmount(target: string) {
    this.unmounts.push(target);
    return 'unmounted' as const;
  }
  async listMounts() {
    return [];
  }
  async attachLoop(): Promise<never> {
    throw new Error('not in MemorySys');
  }
  async detachLoop() {}
  async findDevice() {
    return undefined;
  }
  async waitForDevice(): Promise<never> {
    throw new Error('not in MemorySys');
  }
  async probe() {
    return undefined;
  }
  async fsck(): Promise<never> {
    throw new Error('not in MemorySys');
  }
  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.runs.push([...argv]);
    const r = (await this.script(argv, opts)) ?? {exitCode: 0, stdout: '', stderr: ''};
    if (r.exitCode === 0 || opts.okExitCodes?.includes(r.exitCode)) return r;
    throw new SysError(`${argv.join(' ')} exited ${r.exitCode}: ${r.stderr}`, {
      code: 'EEXIT',
      argv,
      exitCode: r.exitCode,
    });
  }

  private addDirs(p: string) {
    for (let d = p; d !== '/' && d !== ''; d = d.slice(0, d.lastIndexOf('/')) || '/') this.dirs.add(d);
  }
}

/** A StageContext on `sys` with the cmdline given; what the stage reports lands in `failures` and `warnings`. */
export function stageContext(
  sys: Sys,
  opts: {cmdline?: string; signal?: AbortSignal} = {},
): StageContext & {failures: StageIssue[]; warnings: StageIssue[]} {
  const failures: StageIssue[] = [];
  const warnings: StageIssue[] = [];
  return {
    sys,
    log: silentLogger(),
    signal: opts.signal ?? new AbortController().signal,
    config: parseCmdline(opts.cmdline ?? 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img'),
    failure: (i) => failures.push(i),
    warning: (i) => warnings.push(i),
    failures,
    warnings,
  };
}

/** The shell command of a recorded run (`chroot <root> /bin/sh -c X` or `/bin/sh -c X`), if it is one. */
export function shellCommand(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('-c');
  return i > 0 && argv[i - 1] === '/bin/sh' ? argv[i + 1] : undefined;
}

/** A StepEnv on `sys` seen from `root`, with a minute to run; warnings collected in `warnings`. */
export function stepEnv(sys: Sys, root = '/'): StepEnv & {warnings: string[]} {
  const warnings: string[] = [];
  const env = createStepEnv({
    view: new RootView(sys, root),
    log: silentLogger(),
    signal: new AbortController().signal,
    deadline: Date.now() + 60_000,
    timeoutSec: 60,
    onProcess: () => {},
    warn: (_item, message) => warnings.push(message),
  });
  return Object.assign(env, {warnings});
}
