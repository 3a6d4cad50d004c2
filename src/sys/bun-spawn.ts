// Spawning a tool with Bun.spawn, in the compiled binary. bun's node:child_process is built on
// Bun.spawn and wraps every child in node-style stream objects (#getBunSpawnIo, #createStdioObject):
// a compiled probe (bench/spawn-probe.ts) running `true` with piped output took a median 39.9 ms of
// CPU that way, 28.4 ms with Bun.spawn, 19.7 ms spawning nothing (80 runs each, load ~4.5). A first
// boot spawns `cp -a`, a QEMU boot e2fsck, udevadm, cryptsetup, ...
// The Outcome is the one bun's node:child_process gives (test/sys/bun-spawn.test.ts runs both side
// by side): the same error objects, the same AbortError only when the abort killed a live child.
import type {RunOptions} from './sys.ts';
import {type Outcome, outcomeOf} from './tool-outcome.ts';

interface BunOutput {
  /** A Uint8Array, or an ArrayBuffer when the tool wrote nothing (bun 1.3.14). */
  bytes(): Promise<Uint8Array | ArrayBuffer>;
  getReader(): {read(): Promise<{done: boolean; value?: Uint8Array}>; cancel(): Promise<void>};
}

const asBytes = (b: Uint8Array | ArrayBuffer | undefined): Uint8Array[] =>
  b === undefined ? [] : [b instanceof Uint8Array ? b : new Uint8Array(b)];

interface BunSubprocess {
  readonly pid: number;
  readonly stdout: BunOutput | null | undefined;
  readonly stderr: BunOutput | null | undefined;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): void;
}

type Stdio = 'pipe' | 'inherit' | 'ignore';

interface BunSpawnOptions {
  stdin: Stdio | Uint8Array;
  stdout: Stdio;
  stderr: Stdio;
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeout?: number;
  killSignal?: NodeJS.Signals;
  /** A new session and process group, with the child as their leader (pgid = pid). */
  detached?: boolean;
}

export type BunSpawn = (cmd: string[], opts: BunSpawnOptions) => BunSubprocess;

/** Bun.spawn, when running under bun (read at each call: a test may wrap it). */
export function bunSpawn(): BunSpawn | undefined {
  return 'Bun' in globalThis ? (globalThis as unknown as {Bun: {spawn: BunSpawn}}).Bun.spawn : undefined;
}

/**
 * Bun.spawn's throw (ENOENT, EACCES, a missing cwd) as the error node:child_process reports later
 * as 'error': with the syscall and the arguments added.
 */
export function spawnError(e: unknown, cmd: string, args: string[]): NodeJS.ErrnoException {
  const error = e as NodeJS.ErrnoException & {spawnargs?: string[]};
  error.syscall = `spawn ${cmd}`;
  error.spawnargs = args;
  return error;
}

/** node:child_process's AbortError, as bun's child_process emits it when an abort kills the child. */
function abortError(signal: AbortSignal): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('The operation was aborted.', {cause: signal.reason});
  Object.defineProperties(e, {
    name: {value: 'AbortError', enumerable: false, writable: true, configurable: true},
    code: {value: 'ABORT_ERR', enumerable: false, writable: true, configurable: true},
  });
  return e;
}

export async function spawnWithBun(
  spawn: BunSpawn,
  argv: readonly string[],
  opts: RunOptions,
): Promise<Outcome> {
  const [cmd = '', ...args] = argv;
  const inherit = opts.stdio === 'inherit';
  const started = performance.now();
  let proc: BunSubprocess;
  try {
    proc = spawn([cmd, ...args], {
      // A tool that exits without reading its input: bun drops the rest (no EPIPE reaches us).
      stdin: opts.input !== undefined ? Buffer.from(opts.input) : inherit ? 'inherit' : 'ignore',
      stdout: inherit ? 'inherit' : 'pipe',
      stderr: inherit ? 'inherit' : 'pipe',
      ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
      // Bun.spawn's default is the environment bun started with; node's is process.env now.
      env: opts.env !== undefined ? {...process.env, ...opts.env} : process.env,
      ...(opts.timeoutMs !== undefined ? {timeout: opts.timeoutMs, killSignal: 'SIGTERM' as const} : {}),
    });
  } catch (e) {
    const error = spawnError(e, cmd, args);
    return outcomeOf(opts, started, {exitCode: null, signal: null, error}, [], []);
  }
  let error: NodeJS.ErrnoException | undefined;
  const signal = opts.signal;
  // As node:child_process does: SIGTERM, and an AbortError only if the child was still there.
  const onAbort = () => {
    if (proc.exitCode !== null || proc.signalCode !== null || !signal) return;
    proc.kill('SIGTERM');
    error ??= abortError(signal);
  };
  if (signal?.aborted) queueMicrotask(onAbort);
  else signal?.addEventListener('abort', onAbort, {once: true});
  opts.onSpawn?.(proc.pid);
  try {
    const [out, err] = await Promise.all([proc.stdout?.bytes(), proc.stderr?.bytes(), proc.exited]);
    return outcomeOf(
      opts,
      started,
      {exitCode: proc.exitCode, signal: proc.signalCode, error},
      asBytes(out),
      asBytes(err),
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
