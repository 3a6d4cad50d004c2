// What a run in a process group (a cloud-config command, src/sys/exec-group.ts) ended with,
// whichever way it was spawned (node:child_process under node, Bun.spawn in the compiled binary:
// src/sys/bun-group.ts), and what both ways share: the group kill at the timeout or the abort,
// the grace for a background child's pipes, the output's decoding.
import type {RunOptions} from './sys.ts';
import {outputText} from './tool-outcome.ts';

/**
 * After the leader exits, how long a child that still holds its stdout/stderr (a daemon started in
 * the background) may keep them open before we stop reading: its output after that is lost.
 */
export const STREAM_GRACE_MS = 500;

export interface GroupOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
  stdout: string;
  stderr: string;
  stopped?: 'timeout' | 'abort';
}

export interface GroupStop {
  /** What killed the group, if we did. */
  readonly stopped: GroupOutcome['stopped'];
  /** The run is over: no kill after this. */
  end(): void;
}

/**
 * Kills process group `pid` (SIGKILL to every member) at `opts.timeoutMs` (0 is 1 ms here, unlike
 * runTool's) or when `opts.signal` aborts, now if it already has. `pid` is undefined when the spawn
 * failed: an abort still counts as the stop.
 */
export function stopGroupOn(opts: RunOptions, pid: number | undefined): GroupStop {
  let stopped: GroupOutcome['stopped'];
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
  return {
    get stopped() {
      return stopped;
    },
    end() {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The outcome of a run whose leader ended as `end` says, with the output read until then. */
export function groupOutcomeOf(
  end: {exitCode: number | null; signal: NodeJS.Signals | null; error: NodeJS.ErrnoException | undefined},
  stop: GroupStop,
  out: readonly Uint8Array[],
  err: readonly Uint8Array[],
): GroupOutcome {
  return {
    exitCode: end.exitCode,
    signal: end.signal,
    stdout: outputText(out),
    stderr: outputText(err),
    ...(stop.stopped ? {stopped: stop.stopped} : {}),
    ...(end.error ? {error: end.error} : {}),
  };
}
