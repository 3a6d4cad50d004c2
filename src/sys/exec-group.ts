// Running a tool in its own process group (a cloud-config command): `sh -c 'a & b'` starts
// children that outlive the shell, so a timeout or an abort kills the whole group, not only the
// shell, or a hung child would keep the stage (and the boot) waiting.
import {spawn} from './child-process.ts';
import {formatArgv, type RunOptions, type RunResult, SysError, tailOf} from './sys.ts';

/**
 * After the leader exits, how long a child that still holds its stdout/stderr (a daemon started in
 * the background) may keep them open before we stop reading: its output after that is lost.
 */
const STREAM_GRACE_MS = 500;

interface GroupOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
  stdout: string;
  stderr: string;
  stopped?: 'timeout' | 'abort';
}

function spawnGroup(argv: readonly string[], opts: RunOptions): Promise<GroupOutcome> {
  const [cmd = '', ...args] = argv;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stopped: GroupOutcome['stopped'];
    let error: NodeJS.ErrnoException | undefined;
    const child = spawn(cmd, args, {
      detached: true,
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
      ...(opts.env !== undefined ? {env: {...process.env, ...opts.env}} : {}),
    });
    const pid = child.pid;
    const killGroup = (why: 'timeout' | 'abort') => {
      stopped ??= why;
      if (pid === undefined) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    };
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => killGroup('timeout'), Math.max(1, opts.timeoutMs))
        : undefined;
    const onAbort = () => killGroup('abort');
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, {once: true});
    if (pid !== undefined) opts.onSpawn?.(pid);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.stdin?.on('error', () => {});
    let done = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8').replace(/\n$/, ''),
        stderr: Buffer.concat(err).toString('utf8').replace(/\n$/, ''),
        ...(stopped ? {stopped} : {}),
        ...(error ? {error} : {}),
      });
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

export async function runInGroup(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const r = await spawnGroup(argv, opts);
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
