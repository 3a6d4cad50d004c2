// What one tool run ended with, whichever way it was spawned (node:child_process under node,
// Bun.spawn in the compiled binary: src/sys/exec.ts, src/sys/bun-spawn.ts). Both build it here so
// that runTool reads the same Outcome from either.
import type {RunOptions} from './sys.ts';

export interface Outcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A tool's output as text: UTF-8 (a BOM is kept, as Buffer does), without its last newline. */
export function outputText(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
}

/** The Outcome of a run that started at `started` (performance.now()) and ended now. */
export function outcomeOf(
  opts: RunOptions,
  started: number,
  end: {exitCode: number | null; signal: NodeJS.Signals | null; error: NodeJS.ErrnoException | undefined},
  out: readonly Uint8Array[],
  err: readonly Uint8Array[],
): Outcome {
  const elapsed = performance.now() - started;
  // The kill at the timeout is a SIGTERM; one sent by someone else before it is not a timeout,
  // and neither is the SIGTERM of an abort.
  const timedOut =
    opts.timeoutMs !== undefined &&
    end.signal === 'SIGTERM' &&
    elapsed >= opts.timeoutMs &&
    !opts.signal?.aborted;
  return {
    exitCode: end.exitCode,
    signal: end.signal,
    stdout: outputText(out),
    stderr: outputText(err),
    timedOut,
    ...(end.error ? {error: end.error} : {}),
  };
}
