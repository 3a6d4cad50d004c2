// Spawning a stage command in its own process group with Bun.spawn, in the compiled binary, for
// the reason src/sys/bun-spawn.ts gives (node:child_process builds stream objects per child). The
// GroupOutcome is the one src/sys/exec-group.ts gets through node:child_process
// (test/sys/bun-group.test.ts runs both side by side).
import {type BunSpawn, spawnError} from './bun-spawn.ts';
import {type GroupOutcome, groupOutcomeOf, STREAM_GRACE_MS, stopGroupOn} from './group-outcome.ts';
import type {RunOptions} from './sys.ts';

type Output = ReturnType<BunSpawn>['stdout'];

/**
 * Reads `output` into `chunks` until it ends (`ended`). After `drop()` it goes on reading to the
 * end but keeps nothing: a background child that still writes must not get EPIPE (or die of
 * SIGPIPE, as cancelling the reader made it), as node:child_process lets it write on.
 */
function readInto(output: Output, chunks: Uint8Array[]): {ended: Promise<void>; drop: () => void} {
  const reader = output?.getReader();
  let keep = true;
  const ended = (async () => {
    try {
      for (;;) {
        const r = await reader?.read();
        if (!r || r.done) return;
        if (keep && r.value) chunks.push(r.value);
      }
    } catch {
      // the pipe failed: nothing more to read
    }
  })();
  return {ended, drop: () => (keep = false)};
}

export async function spawnGroupWithBun(
  spawn: BunSpawn,
  argv: readonly string[],
  opts: RunOptions,
): Promise<GroupOutcome> {
  const [cmd = '', ...args] = argv;
  let proc: ReturnType<BunSpawn>;
  try {
    proc = spawn([cmd, ...args], {
      detached: true,
      stdin: opts.input !== undefined ? Buffer.from(opts.input) : 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      ...(opts.cwd !== undefined ? {cwd: opts.cwd} : {}),
      // Bun.spawn's default is the environment bun started with; node's is process.env now.
      env: opts.env !== undefined ? {...process.env, ...opts.env} : process.env,
    });
  } catch (e) {
    const stop = stopGroupOn(opts, undefined);
    stop.end();
    return groupOutcomeOf({exitCode: null, signal: null, error: spawnError(e, cmd, args)}, stop, [], []);
  }
  const stop = stopGroupOn(opts, proc.pid);
  opts.onSpawn?.(proc.pid);
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const outputs = [readInto(proc.stdout, out), readInto(proc.stderr, err)];
  let grace: ReturnType<typeof setTimeout> | undefined;
  try {
    await proc.exited;
    // The pipes close when the last process holding them exits; a background child may hold them
    // long after the leader.
    await Promise.race([
      Promise.all(outputs.map((o) => o.ended)),
      new Promise((resolve) => {
        grace = setTimeout(resolve, STREAM_GRACE_MS);
      }),
    ]);
  } finally {
    clearTimeout(grace);
    stop.end();
    for (const o of outputs) o.drop();
  }
  return groupOutcomeOf({exitCode: proc.exitCode, signal: proc.signalCode, error: undefined}, stop, out, err);
}
