// Running a tool in its own process group (a cloud-config command): `sh -c 'a & b'` starts
// children that outlive the shell, so a timeout or an abort kills the whole group, not only the
// shell, or a hung child would keep the stage (and the boot) waiting.
import {execa} from 'execa';
import {formatArgv, type RunOptions, type RunResult, SysError, tailOf} from './sys.ts';

/**
 * After the leader exits, how long a child that still holds its stdout/stderr (a daemon started in
 * the background) may keep them open before we stop reading: its output after that is lost.
 */
const STREAM_GRACE_MS = 500;

export async function runInGroup(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new SysError('Cannot run an empty command', {code: 'EINVAL'});
  const child = execa(cmd, args, {
    reject: false,
    detached: true,
    stdin: opts.input !== undefined ? 'pipe' : 'ignore',
    ...(opts.input !== undefined ? {input: opts.input} : {}),
    ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
    ...(opts.env !== undefined ? {env: opts.env} : {}),
  });
  const pid = child.pid;
  let stopped: 'timeout' | 'abort' | undefined;
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
  child.on('exit', () => {
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, STREAM_GRACE_MS).unref();
  });
  if (pid !== undefined) opts.onSpawn?.(pid);
  const result = await child;
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);

  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const exitCode = result.exitCode;
  if (!stopped && exitCode !== undefined && (exitCode === 0 || opts.okExitCodes?.includes(exitCode))) {
    return {exitCode, stdout, stderr};
  }
  const shown = formatArgv(argv);
  const tail = tailOf(stderr || stdout);
  if (stopped) {
    const why = stopped === 'timeout' ? `timed out after ${opts.timeoutMs} ms` : 'was cancelled';
    throw new SysError(`${shown} ${why}; its process group was killed${tail ? `: ${tail}` : ''}`, {
      code: stopped === 'timeout' ? 'ETIMEDOUT' : 'ABORT_ERR',
      argv,
      stderr: tail,
    });
  }
  if (exitCode !== undefined) {
    throw new SysError(`${shown} exited ${exitCode}${tail ? `: ${tail}` : ''}`, {
      code: 'EEXIT',
      argv,
      exitCode,
      stderr: tail,
    });
  }
  throw new SysError(
    `${shown} ${result.signal ? `was killed by ${result.signal}` : `could not start: ${result.originalMessage ?? result.shortMessage}`}`,
    {code: result.code ?? 'EEXIT', argv, stderr: tail, cause: result.cause},
  );
}
