// Running a tool in its own process group (a cloud-config command): `sh -c 'a & b'` starts
// children that outlive the shell, so a timeout or an abort kills the whole group, not only the
// shell, or a hung child would keep the stage (and the boot) waiting.
// The compiled binary spawns it with Bun.spawn (src/sys/bun-group.ts), as runTool does its tools.
import {spawnGroupWithBun} from './bun-group.ts';
import {bunSpawn} from './bun-spawn.ts';
import {spawn} from './child-process.ts';
import {type GroupOutcome, groupOutcomeOf, STREAM_GRACE_MS, stopGroupOn} from './group-outcome.ts';
import {formatArgv, type RunOptions, type RunResult, SysError, tailOf} from './sys.ts';

/** Spawning through node:child_process: under node (development, the unit tests). */
export function spawnGroupWithChildProcess(argv: readonly string[], opts: RunOptions): Promise<GroupOutcome> {
  const [cmd = '', ...args] = argv;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    const child = spawn(cmd, args, {
      detached: true,
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
      ...(opts.env !== undefined ? {env: {...process.env, ...opts.env}} : {}),
    });
    const pid = child.pid;
    const stop = stopGroupOn(opts, pid);
    if (pid !== undefined) opts.onSpawn?.(pid);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.stdin?.on('error', () => {});
    let done = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      stop.end();
      resolve(groupOutcomeOf({exitCode, signal, error}, stop, out, err));
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e;
      if (pid === undefined) finish(null, null);
    });
    child.on('close', finish);
    // 'close' waits for the pipes; a background child may hold them long after the leader exited.
    child.on('exit', (code, signal) => {
      setTimeout(() => finish(code, signal), STREAM_GRACE_MS).unref();
    });
  });
}

function spawnGroup(argv: readonly string[], opts: RunOptions): Promise<GroupOutcome> {
  const bun = bunSpawn();
  return bun ? spawnGroupWithBun(bun, argv, opts) : spawnGroupWithChildProcess(argv, opts);
}

export async function runInGroup(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  return groupResultOf(argv, opts, await spawnGroup(argv, opts));
}

/** A group run's result, or the SysError that says why it failed. */
export function groupResultOf(argv: readonly string[], opts: RunOptions, r: GroupOutcome): RunResult {
  const {exitCode, stdout, stderr} = r;
  if (
    !r.stopped &&
    !r.error &&
    exitCode !== null &&
    (exitCode === 0 || opts.okExitCodes?.includes(exitCode))
  ) {
    return {exitCode, stdout, stderr};
  }
  const shown = formatArgv(argv);
  const tail = tailOf(stderr || stdout);
  if (r.stopped) {
    const why = r.stopped === 'timeout' ? `timed out after ${opts.timeoutMs} ms` : 'was cancelled';
    throw new SysError(`${shown} ${why}; its process group was killed${tail ? `: ${tail}` : ''}`, {
      code: r.stopped === 'timeout' ? 'ETIMEDOUT' : 'ABORT_ERR',
      argv,
      stderr: tail,
    });
  }
  if (exitCode !== null && !r.error) {
    throw new SysError(`${shown} exited ${exitCode}${tail ? `: ${tail}` : ''}`, {
      code: 'EEXIT',
      argv,
      exitCode,
      stderr: tail,
    });
  }
  const why = r.signal
    ? `was killed by ${r.signal}`
    : `could not start: ${r.error?.message ?? 'unknown error'}`;
  throw new SysError(`${shown} ${why}`, {
    code: r.error?.code ?? 'EEXIT',
    argv,
    stderr: tail,
    ...(r.error ? {cause: r.error} : {}),
  });
}
