// Running a tool with argv (never a shell line); any failure becomes a SysError that carries the
// argv, the exit code and the end of stderr. Plain child_process rather than execa: a boot runs
// ~50 tools and execa costs ~3 ms more per call on the dev machine (8 vs 5 ms for `true`). The
// compiled binary (bun) spawns with Bun.spawn instead (src/sys/bun-spawn.ts says why).
import {bunSpawn, spawnWithBun} from './bun-spawn.ts';
import {spawn} from './child-process.ts';
import {runInGroup} from './exec-group.ts';
import {formatArgv, type RunOptions, type RunResult, SysError, tailOf} from './sys.ts';
import {type Outcome, outcomeOf} from './tool-outcome.ts';

/** Hints for the tools immucore depends on, when they are missing from the initramfs. */
const PACKAGES: Record<string, string> = {
  mount: 'util-linux',
  umount: 'util-linux',
  losetup: 'util-linux',
  blkid: 'util-linux',
  e2fsck: 'e2fsprogs',
  cp: 'coreutils',
  udevadm: 'udev',
  lvm: 'lvm2',
  mdadm: 'mdadm',
};

/** Spawning through node:child_process: under node (development, the unit tests). */
export function spawnWithChildProcess(argv: readonly string[], opts: RunOptions): Promise<Outcome> {
  const [cmd = '', ...args] = argv;
  const inherit = opts.stdio === 'inherit';
  const started = performance.now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    const child = spawn(cmd, args, {
      stdio: [
        opts.input !== undefined ? 'pipe' : inherit ? 'inherit' : 'ignore',
        inherit ? 'inherit' : 'pipe',
        inherit ? 'inherit' : 'pipe',
      ],
      ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
      ...(opts.env !== undefined ? {env: {...process.env, ...opts.env}} : {}),
      ...(opts.timeoutMs !== undefined ? {timeout: opts.timeoutMs} : {}),
      ...(opts.signal !== undefined ? {signal: opts.signal} : {}),
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.stdin?.on('error', () => {}); // a tool that exits without reading its input
    child.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e;
      // A spawn failure never emits 'close'.
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
    let done = false;
    function finish(exitCode: number | null, signal: NodeJS.Signals | null) {
      if (done) return;
      done = true;
      resolve(outcomeOf(opts, started, {exitCode, signal, error}, out, err));
    }
  });
}

function spawnTool(argv: readonly string[], opts: RunOptions): Promise<Outcome> {
  const bun = bunSpawn();
  return bun ? spawnWithBun(bun, argv, opts) : spawnWithChildProcess(argv, opts);
}

export async function runTool(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const cmd = argv[0];
  if (!cmd) throw new SysError('Cannot run an empty command', {code: 'EINVAL'});
  if (opts.processGroup) return runInGroup(argv, opts);
  return resultOf(argv, opts, await spawnTool(argv, opts));
}

/** A run's result, or the SysError that says why it failed. */
export function resultOf(argv: readonly string[], opts: RunOptions, r: Outcome): RunResult {
  const cmd = argv[0] ?? '';
  const {exitCode, stdout, stderr} = r;
  if (exitCode !== null && !r.error && (exitCode === 0 || opts.okExitCodes?.includes(exitCode))) {
    return {exitCode, stdout, stderr};
  }
  const shown = formatArgv(argv);
  if (exitCode !== null && !r.error) {
    const tail = tailOf(stderr || stdout);
    throw new SysError(`${shown} exited ${exitCode}${tail ? `: ${tail}` : ''}`, {
      code: 'EEXIT',
      argv,
      exitCode,
      stderr: tail,
    });
  }
  const aborted = opts.signal?.aborted === true;
  const why = r.timedOut
    ? `timed out after ${opts.timeoutMs} ms`
    : aborted
      ? 'was cancelled'
      : r.signal
        ? `was killed by ${r.signal}`
        : `could not start: ${r.error?.message ?? 'unknown error'}`;
  const missing = r.error?.code === 'ENOENT' && !aborted;
  throw new SysError(`${shown} ${why}`, {
    code: r.timedOut ? 'ETIMEDOUT' : aborted ? 'ABORT_ERR' : (r.error?.code ?? 'EEXIT'),
    argv,
    stderr: tailOf(stderr),
    ...(r.error ? {cause: r.error} : {}),
    ...(missing
      ? {hint: `Install ${cmd}${PACKAGES[cmd] ? ` (${PACKAGES[cmd]})` : ''} in the initramfs.`}
      : {}),
  });
}
