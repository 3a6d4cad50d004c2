// Runs the table of tool runs below through each way src/sys/exec.ts can spawn that the runtime
// has (node:child_process everywhere, Bun.spawn under bun) and writes each run's Outcome and the
// result or SysError runTool makes of it, as JSON, to the file named by argv[2]
// (test/sys/bun-spawn.test.ts runs it under node and under bun and compares).
// The `inherit` cases write to this process's stdout and read its stdin.
import {writeFileSync} from 'node:fs';
import {bunSpawn, spawnWithBun} from '../../src/sys/bun-spawn.ts';
import {resultOf, runTool, spawnWithChildProcess} from '../../src/sys/exec.ts';
import type {RunOptions} from '../../src/sys/sys.ts';
import type {Outcome} from '../../src/sys/tool-outcome.ts';
import {errorFields, shown} from './run-fields.ts';

export interface SpawnCase {
  name: string;
  /** `{impl}` is replaced by the implementation's name. */
  argv: string[];
  opts?: Omit<RunOptions, 'signal' | 'onSpawn'>;
  /** Abort after this many ms (0: before the spawn). */
  abortAfterMs?: number;
}

const MIB = 'x'.repeat(1 << 20);

export const CASES: SpawnCase[] = [
  {
    name: 'stdout and stderr piped; one trailing newline dropped',
    argv: ['sh', '-c', 'printf "out\\n\\n"; printf "err\\n" >&2'],
  },
  {name: 'an exit code with stderr', argv: ['sh', '-c', 'echo bad thing >&2; exit 32']},
  {name: 'an exit code with stdout only', argv: ['sh', '-c', 'echo only out; exit 3']},
  {name: 'an exit code it is told is fine', argv: ['sh', '-c', 'exit 2'], opts: {okExitCodes: [2]}},
  {name: 'a missing command', argv: ['no-such-tool-immucore', 'x']},
  {
    name: 'a missing tool with a package hint (PATH from env)',
    argv: ['cp', '-a', 'a', 'b'],
    opts: {env: {PATH: '/nonexistent'}},
  },
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
  {name: 'a tool that fails without reading its input', argv: ['sh', '-c', 'exit 4'], opts: {input: MIB}},
  {name: 'a timeout (SIGTERM)', argv: ['sleep', '5'], opts: {timeoutMs: 100}},
  {name: 'a timeout that is not reached', argv: ['sh', '-c', 'echo quick'], opts: {timeoutMs: 10_000}},
  {
    name: 'a timeout of 0 is none, as for node',
    argv: ['sh', '-c', 'sleep 0.2; echo late'],
    opts: {timeoutMs: 0},
  },
  {
    name: 'a SIGTERM from elsewhere before the timeout',
    argv: ['sh', '-c', 'kill -TERM $$'],
    opts: {timeoutMs: 10_000},
  },
  {name: 'an abort', argv: ['sleep', '5'], abortAfterMs: 100},
  {name: 'an abort before the spawn', argv: ['sleep', '5'], abortAfterMs: 0},
  {name: 'an abort before a timeout', argv: ['sleep', '5'], opts: {timeoutMs: 10_000}, abortAfterMs: 100},
  {name: 'an abort of a missing command', argv: ['no-such-tool-immucore'], abortAfterMs: 0},
  {name: 'killed by a signal', argv: ['sh', '-c', 'echo partial; kill -KILL $$']},
  {
    name: 'UTF-8 decoding: BOM, accents, an invalid byte',
    argv: ['printf', '\\357\\273\\277h\\303\\251\\377\\n\\n'],
  },
  {
    name: 'large output split in chunks, multi-byte characters',
    argv: ['sh', '-c', 'yes "é€" | head -n 200000; yes "ü" | head -n 100000 >&2'],
  },
  {
    name: 'stdio inherit: output to the terminal, input from it',
    argv: [
      'sh',
      '-c',
      'echo "to-terminal {impl}"; dd bs=1 count=3 status=none; echo; echo "err-terminal {impl}" >&2',
    ],
    opts: {stdio: 'inherit'},
  },
  {
    name: 'stdio inherit with input piped',
    argv: ['sh', '-c', 'cat; echo " {impl}"'],
    opts: {stdio: 'inherit', input: 'piped-in'},
  },
];

type Spawner = (argv: readonly string[], opts: RunOptions) => Promise<Outcome>;

async function runCase(spawner: Spawner, impl: string, c: SpawnCase): Promise<unknown> {
  const argv = c.argv.map((a) => a.replaceAll('{impl}', impl));
  const ac = new AbortController();
  if (c.abortAfterMs === 0) ac.abort();
  const timer = c.abortAfterMs ? setTimeout(() => ac.abort(), c.abortAfterMs) : undefined;
  const pids: number[] = [];
  const opts: RunOptions = {
    ...c.opts,
    ...(c.abortAfterMs !== undefined ? {signal: ac.signal} : {}),
    onSpawn: (pid) => pids.push(pid),
  };
  const outcome = await spawner(argv, opts);
  clearTimeout(timer);
  let result: unknown;
  try {
    const r = resultOf(argv, opts, outcome);
    result = {...r, stdout: shown(r.stdout), stderr: shown(r.stderr)};
  } catch (e) {
    result = {thrown: errorFields(e)};
  }
  return {
    outcome: {
      ...outcome,
      stdout: shown(outcome.stdout),
      stderr: shown(outcome.stderr),
      error: errorFields(outcome.error),
    },
    result,
    onSpawn: pids.length,
    pidIsPositive: pids.every((p) => Number.isInteger(p) && p > 0),
  };
}

async function main(outFile: string) {
  const spawners: Record<string, Spawner> = {'child-process': spawnWithChildProcess};
  const bun = bunSpawn();
  if (bun) spawners.bun = (argv, opts) => spawnWithBun(bun, argv, opts);
  const results: Record<string, Record<string, unknown>> = {};
  for (const c of CASES) {
    const runs: Record<string, unknown> = {};
    for (const [impl, spawner] of Object.entries(spawners)) runs[impl] = await runCase(spawner, impl, c);
    results[c.name] = runs;
  }
  // onSpawn's pid is the tool's: `sh -c 'echo $$'` prints it.
  const pidCheck: Record<string, boolean> = {};
  for (const [impl, spawner] of Object.entries(spawners)) {
    let pid = 0;
    const o = await spawner(['sh', '-c', 'echo $$'], {onSpawn: (p) => (pid = p)});
    pidCheck[impl] = o.stdout === String(pid);
  }
  // runTool itself spawns with Bun.spawn under bun (counted through a wrapper), child_process under node.
  let bunCalls = 0;
  const g = globalThis as unknown as {Bun?: {spawn: (...a: unknown[]) => unknown}};
  if (g.Bun) {
    const real = g.Bun.spawn;
    g.Bun.spawn = (...a: unknown[]) => {
      bunCalls++;
      return real(...a);
    };
  }
  const viaRunTool = await runTool(['sh', '-c', 'echo via-runTool']);
  writeFileSync(
    outFile,
    JSON.stringify({runtime: bun ? 'bun' : 'node', results, pidCheck, viaRunTool, bunCalls}),
  );
}

await main(process.argv[2] ?? '/dev/stdout');
