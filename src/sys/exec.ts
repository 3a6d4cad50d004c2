// Running a tool: execa with argv (never a shell line); any failure becomes a SysError that carries
// the argv, the exit code and the end of stderr.
import {execa} from 'execa';
import {formatArgv, type RunOptions, type RunResult, SysError, tailOf} from './sys.ts';

/** Hints for the tools immucore depends on, when they are missing from the initramfs. */
const PACKAGES: Record<string, string> = {
  mount: 'util-linux',
  umount: 'util-linux',
  losetup: 'util-linux',
  blkid: 'util-linux',
  e2fsck: 'e2fsprogs',
  cp: 'coreutils',
  udevadm: 'udev',
};

export async function runTool(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new SysError('Cannot run an empty command', {code: 'EINVAL'});
  const inherit = opts.stdio === 'inherit';
  const result = await execa(cmd, args, {
    reject: false,
    stdin: opts.input !== undefined ? 'pipe' : inherit ? 'inherit' : 'ignore',
    stdout: inherit ? 'inherit' : 'pipe',
    stderr: inherit ? 'inherit' : 'pipe',
    ...(opts.input !== undefined ? {input: opts.input} : {}),
    ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
    ...(opts.env !== undefined ? {env: opts.env} : {}),
    ...(opts.timeoutMs !== undefined ? {timeout: opts.timeoutMs} : {}),
    ...(opts.signal !== undefined ? {cancelSignal: opts.signal} : {}),
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const exitCode = result.exitCode;
  if (exitCode !== undefined && (exitCode === 0 || opts.okExitCodes?.includes(exitCode))) {
    return {exitCode, stdout, stderr};
  }
  const shown = formatArgv(argv);
  if (exitCode !== undefined) {
    const tail = tailOf(stderr || stdout);
    throw new SysError(`${shown} exited ${exitCode}${tail ? `: ${tail}` : ''}`, {
      code: 'EEXIT',
      argv,
      exitCode,
      stderr: tail,
    });
  }
  const why = result.timedOut
    ? `timed out after ${opts.timeoutMs} ms`
    : result.isCanceled
      ? 'was cancelled'
      : result.signal
        ? `was killed by ${result.signal}`
        : `could not start: ${result.originalMessage ?? result.shortMessage}`;
  const missing = result.code === 'ENOENT' && !result.signal;
  throw new SysError(`${shown} ${why}`, {
    code: result.timedOut ? 'ETIMEDOUT' : result.isCanceled ? 'ABORT_ERR' : (result.code ?? 'EEXIT'),
    argv,
    stderr: tailOf(stderr),
    cause: result.cause,
    ...(missing
      ? {hint: `Install ${cmd}${PACKAGES[cmd] ? ` (${PACKAGES[cmd]})` : ''} in the initramfs.`}
      : {}),
  });
}
