// Runs the table of stage-command runs below through each way src/sys/exec-group.ts can spawn a
// process group that the runtime has (node:child_process everywhere, Bun.spawn under bun) and
// writes each run's GroupOutcome, the result or SysError runInGroup makes of it, and which of the
// processes it started are still alive, as JSON, to the file named by argv[2]
// (test/sys/bun-group.test.ts runs it under node and under bun and compares).
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnGroupWithBun} from '../../src/sys/bun-group.ts';
import {bunSpawn} from '../../src/sys/bun-spawn.ts';
import {runTool} from '../../src/sys/exec.ts';
import {groupResultOf, spawnGroupWithChildProcess} from '../../src/sys/exec-group.ts';
import type {GroupOutcome} from '../../src/sys/group-outcome.ts';
import type {RunOptions} from '../../src/sys/sys.ts';
import {alive} from './processes.ts';
import {errorFields, shown} from './run-fields.ts';

export interface GroupCase {
  name: string;
  /** `{dir}` is replaced by a fresh directory of the run's own; `{dir}/pids` lists pids to check. */
  argv: string[];
  opts?: Omit<RunOptions, 'signal' | 'onSpawn'>;
  /** Abort after this many ms (0: before the spawn). */
  abortAfterMs?: number;
}

const MIB = 'x'.repeat(1 << 20);
/** A leader and a background child that both sleep, each writing its pid first. */
const TWO_SLEEPERS = 'sleep 30 & echo $! >> {dir}/pids; echo $$ >> {dir}/pids; sleep 30';

export const CASES: GroupCase[] = [
  {
    name: 'stdout and stderr piped; one trailing newline dropped',
    argv: ['sh', '-c', 'printf "out\\n\\n"; printf "err\\n" >&2'],
  },
  {name: 'an exit code with stderr', argv: ['sh', '-c', 'echo bad thing >&2; exit 32']},
  {name: 'an exit code with stdout only', argv: ['sh', '-c', 'echo only out; exit 3']},
  {name: 'an exit code it is told is fine', argv: ['sh', '-c', 'exit 2'], opts: {okExitCodes: [2]}},
  {name: 'a missing command', argv: ['no-such-tool-immucore', 'x']},
  {name: 'a missing tool (PATH from env)', argv: ['cp', '-a', 'a', 'b'], opts: {env: {PATH: '/nonexistent'}}},
  {name: 'a missing absolute path', argv: ['/no/such/tool']},
  {name: 'a file that is not executable', argv: ['/etc/passwd']},
  {name: 'a missing cwd', argv: ['true'], opts: {cwd: '/no/such/dir'}},
  {
    name: 'cwd and env merged over process.env',
    argv: ['sh', '-c', 'echo "$IMMUCORE_X $(pwd) $(test -n "$HOME" && echo home-kept)"'],
    opts: {cwd: '/tmp', env: {IMMUCORE_X: 'y'}},
  },
  {name: 'input piped', argv: ['cat'], opts: {input: 'piped\n'}},
  {name: 'empty input', argv: ['cat'], opts: {input: ''}},
  {name: 'a tool that exits without reading 1 MiB of input', argv: ['true'], opts: {input: MIB}},
  {
    name: 'a timeout kills the leader and its background child',
    argv: ['sh', '-c', TWO_SLEEPERS],
    opts: {timeoutMs: 1000},
  },
  {name: 'a timeout that is not reached', argv: ['sh', '-c', 'echo quick'], opts: {timeoutMs: 10_000}},
  {name: 'a timeout of 0 is 1 ms', argv: ['sleep', '5'], opts: {timeoutMs: 0}},
  {
    name: 'a timeout while a background child holds the output',
    argv: ['sh', '-c', 'sleep 30 & echo $! >> {dir}/pids; echo started'],
    // Before the grace's end however late the leader's exit is seen; after it, unless the leader
    // took over 450 ms to exit.
    opts: {timeoutMs: 450},
  },
  {
    name: 'an abort kills the leader and its background child',
    argv: ['sh', '-c', TWO_SLEEPERS],
    abortAfterMs: 1000,
  },
  {name: 'an abort before the spawn', argv: ['sleep', '5'], abortAfterMs: 0},
  {name: 'an abort before a timeout', argv: ['sleep', '5'], opts: {timeoutMs: 10_000}, abortAfterMs: 100},
  {name: 'an abort of a missing command', argv: ['no-such-tool-immucore'], abortAfterMs: 0},
  {
    name: 'a daemon that keeps the output past the grace: its later output is lost',
    argv: ['sh', '-c', '(sleep 5; echo late; echo late-err >&2) & echo $! >> {dir}/pids; echo early'],
  },
  {
    name: 'a daemon that writes after the grace lives on (no EPIPE)',
    argv: [
      'sh',
      '-c',
      // It writes once the run has returned (the harness then makes {dir}/returned): a fixed
      // sleep of 1.5 s came before the grace's end at load 6 (a VM suite beside the tests).
      '(until [ -e {dir}/returned ]; do sleep 0.02; done; echo late; echo "wrote: $?" > {dir}/after) & echo $! >> {dir}/pids; echo early',
    ],
  },
  {
    name: "a background child's output within the grace is kept",
    // It writes as soon as the leader is gone (a fixed sleep missed the grace at load 8).
    argv: ['sh', '-c', '(while kill -0 $$ 2>/dev/null; do sleep 0.01; done; echo background) & echo leader'],
  },
  {
    name: 'a background child that closed its output',
    argv: ['sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo $! >> {dir}/pids; echo leader'],
  },
  {name: 'killed by a signal', argv: ['sh', '-c', 'echo partial; kill -KILL $$']},
  {name: 'a SIGTERM from elsewhere', argv: ['sh', '-c', 'kill -TERM $$'], opts: {timeoutMs: 10_000}},
  {
    name: 'UTF-8 decoding: BOM, accents, an invalid byte',
    argv: ['printf', '\\357\\273\\277h\\303\\251\\377\\n\\n'],
  },
  {
    name: 'large output split in chunks, multi-byte characters',
    argv: ['sh', '-c', 'yes "é€" | head -n 200000; yes "ü" | head -n 100000 >&2'],
  },
];

type Spawner = (argv: readonly string[], opts: RunOptions) => Promise<GroupOutcome>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many of `pids` are alive once they had 2 s to go (killed or done). */
async function survivors(pids: number[]): Promise<number> {
  for (let waited = 0; waited < 2000 && pids.some(alive); waited += 20) await sleep(20);
  return pids.filter(alive).length;
}

async function runCase(spawner: Spawner, c: GroupCase): Promise<unknown> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'immucore-group-'));
  const argv = c.argv.map((a) => a.replaceAll('{dir}', dir));
  const ac = new AbortController();
  if (c.abortAfterMs === 0) ac.abort();
  const timer = c.abortAfterMs ? setTimeout(() => ac.abort(), c.abortAfterMs) : undefined;
  const pgids: number[] = [];
  const opts: RunOptions = {
    ...c.opts,
    ...(c.abortAfterMs !== undefined ? {signal: ac.signal} : {}),
    onSpawn: (pid) => pgids.push(pid),
  };
  const outcome = await spawner(argv, opts);
  writeFileSync(path.join(dir, 'returned'), '');
  clearTimeout(timer);
  let result: unknown;
  try {
    const r = groupResultOf(argv, opts, outcome);
    result = {...r, stdout: shown(r.stdout), stderr: shown(r.stderr)};
  } catch (e) {
    result = {thrown: errorFields(e)};
  }
  let pids: number[] = [];
  try {
    pids = readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
  } catch {
    // the case writes none, or was stopped before
  }
  const left = await survivors(pids);
  let after: string | undefined;
  try {
    after = readFileSync(path.join(dir, 'after'), 'utf8').trim();
  } catch {
    // the case writes none
  }
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, 'SIGKILL'); // what a case leaves behind on purpose (the daemons)
    } catch {
      // none left
    }
  }
  rmSync(dir, {recursive: true, force: true});
  const show = (s: string) => shown(s.replaceAll(dir, '{dir}'));
  return {
    outcome: {
      ...outcome,
      stdout: show(outcome.stdout),
      stderr: show(outcome.stderr),
      error: errorFields(outcome.error),
    },
    result: JSON.parse(JSON.stringify(result).replaceAll(dir, '{dir}')),
    onSpawn: pgids.length,
    pidsWritten: pids.length,
    survivors: left,
    ...(after !== undefined ? {after} : {}),
  };
}

async function main(outFile: string) {
  const spawners: Record<string, Spawner> = {'child-process': spawnGroupWithChildProcess};
  const bun = bunSpawn();
  if (bun) spawners.bun = (argv, opts) => spawnGroupWithBun(bun, argv, opts);
  const results: Record<string, Record<string, unknown>> = {};
  for (const c of CASES) {
    const runs: Record<string, unknown> = {};
    for (const [impl, spawner] of Object.entries(spawners)) runs[impl] = await runCase(spawner, c);
    results[c.name] = runs;
  }
  // onSpawn's pid is the leader's, and it leads its own session and process group.
  const leaders: Record<string, string> = {};
  for (const [impl, spawner] of Object.entries(spawners)) {
    let pid = 0;
    const o = await spawner(['sh', '-c', 'echo $$ $(cut -d" " -f5,6 /proc/$$/stat)'], {
      onSpawn: (p) => (pid = p),
    });
    leaders[impl] = o.stdout.replaceAll(String(pid), 'pid');
  }
  // runTool with processGroup spawns with Bun.spawn under bun (counted through a wrapper), detached.
  const bunCalls: unknown[] = [];
  const g = globalThis as unknown as {Bun?: {spawn: (cmd: unknown, o: {detached?: boolean}) => unknown}};
  if (g.Bun) {
    const real = g.Bun.spawn;
    g.Bun.spawn = (cmd, o) => {
      bunCalls.push({detached: o.detached});
      return real(cmd, o);
    };
  }
  const viaRunTool = await runTool(['sh', '-c', 'echo via-runTool'], {processGroup: true});
  writeFileSync(
    outFile,
    JSON.stringify({runtime: bun ? 'bun' : 'node', results, leaders, viaRunTool, bunCalls}),
  );
}

await main(process.argv[2] ?? '/dev/stdout');
