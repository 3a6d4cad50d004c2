// The compiled binary spawns tools with Bun.spawn (src/sys/bun-spawn.ts), node with
// node:child_process (src/sys/exec.ts). The same table of runs (test/helpers/spawn-harness.ts)
// goes through both under bun and through child_process under node: every Outcome and every
// result or SysError runTool makes of it must be the same, but for the words of the runtime's own
// error messages (bun's "Executable not found in $PATH" for node's "spawn x ENOENT").
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {findBun} from '../../scripts/compile.ts';
import {REPO, harness as runHarness, withoutRuntimeWords} from '../helpers/runtime-runs.ts';

const HARNESS = path.join(REPO, 'test/helpers/spawn-harness.ts');
const MONITOR_HARNESS = path.join(REPO, 'test/helpers/monitor-harness.ts');

interface Run {
  runtime: string;
  results: Record<
    string,
    Record<string, {outcome: Record<string, unknown>; result: unknown; onSpawn: number}>
  >;
  pidCheck: Record<string, boolean>;
  viaRunTool: unknown;
  bunCalls: number;
}

const harness = <T = Run>(cmd: string, args: string[], script = HARNESS) => runHarness<T>(cmd, args, script);

type Harnessed = {run: Run; stdout: string; stderr: string};

describe('spawning a tool: Bun.spawn gives what node:child_process gives', () => {
  let bun: Harnessed;
  let node: Harnessed;
  beforeAll(async () => {
    bun = await harness(findBun(REPO), []);
    node = await harness(process.execPath, ['--import', 'tsx']);
  });

  it('runs every case both ways under bun, and child_process under node', () => {
    expect(bun.run.runtime).toBe('bun');
    expect(node.run.runtime).toBe('node');
    expect(Object.keys(bun.run.results).length).toBeGreaterThan(20);
    for (const runs of Object.values(bun.run.results))
      expect(Object.keys(runs).sort()).toEqual(['bun', 'child-process']);
    for (const runs of Object.values(node.run.results)) expect(Object.keys(runs)).toEqual(['child-process']);
  });

  it('under bun, each case has the same Outcome and result both ways', () => {
    for (const [name, runs] of Object.entries(bun.run.results)) {
      expect({name, run: runs.bun}).toEqual({name, run: runs['child-process']});
    }
  });

  it('each case ends under bun as under node, but for the runtime words', () => {
    for (const [name, runs] of Object.entries(bun.run.results)) {
      const underNode = node.run.results[name]?.['child-process'];
      expect({name, run: withoutRuntimeWords(runs.bun)}).toEqual({name, run: withoutRuntimeWords(underNode)});
    }
  });

  it('the runs end as runTool promises (so the comparisons are not of two broken runs)', () => {
    const r = bun.run.results;
    const res = (name: string) => r[name]?.bun?.result as Record<string, Record<string, unknown>>;
    expect(res('stdout and stderr piped; one trailing newline dropped')).toEqual({
      exitCode: 0,
      stdout: 'out\n',
      stderr: 'err',
    });
    expect(res('an exit code with stderr').thrown).toMatchObject({
      code: 'EEXIT',
      exitCode: 32,
      stderr: 'bad thing',
    });
    expect(res('a missing tool with a package hint (PATH from env)').thrown).toMatchObject({
      code: 'ENOENT',
      hint: 'Install cp (coreutils) in the initramfs.',
    });
    expect(res('a file that is not executable').thrown).toMatchObject({code: 'EACCES'});
    expect(res('cwd and env merged over process.env').stdout).toBe('y /tmp home-kept');
    expect(res('input piped').stdout).toBe('piped');
    expect(res('a tool that exits without reading 1 MiB of input').exitCode).toBe(0);
    expect(res('a tool that fails without reading its input').thrown).toMatchObject({
      code: 'EEXIT',
      exitCode: 4,
    });
    expect(r['a timeout (SIGTERM)']?.bun?.outcome).toMatchObject({timedOut: true, signal: 'SIGTERM'});
    expect(res('a timeout (SIGTERM)').thrown).toMatchObject({
      code: 'ETIMEDOUT',
      message: 'sleep 5 timed out after 100 ms',
    });
    expect(res('a timeout of 0 is none, as for node').stdout).toBe('late');
    expect(res('a SIGTERM from elsewhere before the timeout').thrown).toMatchObject({code: 'EEXIT'});
    for (const name of ['an abort', 'an abort before the spawn', 'an abort before a timeout']) {
      expect(r[name]?.bun?.outcome).toMatchObject({
        timedOut: false,
        signal: 'SIGTERM',
        error: {name: 'AbortError', code: 'ABORT_ERR'},
      });
      expect(res(name).thrown).toMatchObject({code: 'ABORT_ERR', message: 'sleep 5 was cancelled'});
    }
    expect(res('killed by a signal').thrown).toMatchObject({
      message: expect.stringContaining('was killed by SIGKILL'),
    });
    expect(res('UTF-8 decoding: BOM, accents, an invalid byte').stdout).toBe('\uFEFFhé\uFFFD\n');
    expect(res('large output split in chunks, multi-byte characters').stdout).toMatchObject({
      length: 200_000 * 3 - 1,
    });
    expect(res('stdio inherit: output to the terminal, input from it')).toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('an inherited stdio is the terminal: output shown, input read from it', () => {
    expect(bun.stdout).toBe(
      'to-terminal child-process\nabc\nto-terminal bun\ndef\npiped-in child-process\npiped-in bun',
    );
    expect(bun.stderr).toContain('err-terminal bun');
    expect(node.stdout).toBe('to-terminal child-process\nabc\npiped-in child-process');
  });

  it("onSpawn gets the tool's pid, and runTool under bun goes through Bun.spawn", () => {
    expect(bun.run.pidCheck).toEqual({'child-process': true, bun: true});
    expect(node.run.pidCheck).toEqual({'child-process': true});
    expect(bun.run.viaRunTool).toEqual({exitCode: 0, stdout: 'via-runTool', stderr: ''});
    expect(bun.run.bunCalls).toBe(1);
    expect(node.run.bunCalls).toBe(0);
  });
});

interface MonitorRun {
  runtime: string;
  results: Record<
    string,
    Record<string, {outputs: number; errors: string[]; exits: unknown[]; monitorLeft: boolean}>
  >;
  waits: Record<string, {device?: string; monitorLeft?: boolean; thrown?: string; code?: string}>;
}

describe("the device wait's monitor (src/sys/monitor-process.ts): Bun.spawn as node:child_process", () => {
  let bun: MonitorRun;
  let node: MonitorRun;
  beforeAll(async () => {
    bun = (await harness<MonitorRun>(findBun(REPO), [], MONITOR_HARNESS)).run;
    node = (await harness<MonitorRun>(process.execPath, ['--import', 'tsx'], MONITOR_HARNESS)).run;
  });

  it('reports the same output, failure and exit both ways under bun, and as under node', () => {
    expect(bun.runtime).toBe('bun');
    expect(Object.keys(bun.results).length).toBe(5);
    for (const [name, runs] of Object.entries(bun.results)) {
      expect(Object.keys(runs).sort()).toEqual(['bun', 'child-process']);
      expect({name, run: runs.bun}).toEqual({name, run: runs['child-process']});
      // node words a spawn failure its own way.
      const underNode = node.results[name]?.['child-process'];
      const noWords = (r: typeof underNode) => ({...r, errors: r?.errors.map(() => 'could not start')});
      expect({name, run: noWords(runs.bun)}).toEqual({name, run: noWords(underNode)});
    }
    expect(bun.results['stopped after its event']?.bun).toEqual({
      outputs: 2,
      errors: [],
      exits: ['SIGTERM'],
      monitorLeft: false,
    });
    expect(bun.results['a missing command']?.bun?.errors).toEqual([
      'Executable not found in $PATH: "no-such-udevadm-immucore"',
    ]);
    expect(bun.results['exits early with a code']?.bun?.exits).toEqual([3]);
    expect(bun.results['killed by a signal']?.bun?.exits).toEqual(['SIGKILL']);
  });

  it('waitForEvent under bun: found on the event with the monitor stopped, else says why the monitor failed', () => {
    expect(bun.waits['the event finds the device; the monitor is stopped']).toEqual({
      device: '/dev/found',
      monitorLeft: false,
    });
    expect(bun.waits['the monitor cannot start']).toMatchObject({
      code: 'ETIMEDOUT',
      thrown: expect.stringContaining('no-such-udevadm-immucore could not start: Executable not found'),
    });
    expect(bun.waits['the monitor exits early']).toMatchObject({
      code: 'ETIMEDOUT',
      thrown: expect.stringContaining('(sh exited early (3);'),
    });
    expect(node.waits['the event finds the device; the monitor is stopped']).toEqual({
      device: '/dev/found',
      monitorLeft: false,
    });
    expect(node.waits['the monitor exits early']?.thrown).toBe(bun.waits['the monitor exits early']?.thrown);
  });
});
