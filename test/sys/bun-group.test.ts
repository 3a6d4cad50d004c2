// The compiled binary spawns a stage command's process group with Bun.spawn
// (src/sys/bun-group.ts), node with node:child_process (src/sys/exec-group.ts). The same table of
// runs (test/helpers/group-harness.ts) goes through both under bun and through child_process under
// node: every GroupOutcome, every result or SysError runInGroup makes of it, and which of the
// processes it started outlived it, must be the same, but for the words of the runtime's own
// error messages.
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {findBun} from '../../scripts/compile.ts';
import {harness, REPO, withoutRuntimeWords} from '../helpers/runtime-runs.ts';

const GROUP_HARNESS = path.join(REPO, 'test/helpers/group-harness.ts');

interface CaseRun {
  outcome: Record<string, unknown>;
  result: {thrown?: Record<string, unknown>} & Record<string, unknown>;
  onSpawn: number;
  pidsWritten: number;
  survivors: number;
  /** What a case's background child wrote to `{dir}/after`. */
  after?: string;
}

interface GroupRun {
  runtime: string;
  results: Record<string, Record<string, CaseRun>>;
  leaders: Record<string, string>;
  viaRunTool: unknown;
  bunCalls: unknown[];
}

describe('a stage command in its process group: Bun.spawn gives what node:child_process gives', () => {
  let bun: GroupRun;
  let node: GroupRun;
  beforeAll(async () => {
    bun = (await harness<GroupRun>(findBun(REPO), [], GROUP_HARNESS)).run;
    node = (await harness<GroupRun>(process.execPath, ['--import', 'tsx'], GROUP_HARNESS)).run;
  });

  it('runs every case both ways under bun, and child_process under node', () => {
    expect(bun.runtime).toBe('bun');
    expect(node.runtime).toBe('node');
    expect(Object.keys(bun.results).length).toBeGreaterThan(20);
    for (const runs of Object.values(bun.results))
      expect(Object.keys(runs).sort()).toEqual(['bun', 'child-process']);
    for (const runs of Object.values(node.results)) expect(Object.keys(runs)).toEqual(['child-process']);
  });

  it('under bun, each case has the same outcome, result and survivors both ways', () => {
    for (const [name, runs] of Object.entries(bun.results)) {
      expect({name, run: runs.bun}).toEqual({name, run: runs['child-process']});
    }
  });

  it('each case ends under bun as under node, but for the runtime words', () => {
    for (const [name, runs] of Object.entries(bun.results)) {
      const underNode = node.results[name]?.['child-process'];
      expect({name, run: withoutRuntimeWords(runs.bun)}).toEqual({name, run: withoutRuntimeWords(underNode)});
    }
  });

  it('the runs end as runInGroup promises (so the comparisons are not of two broken runs)', () => {
    const run = (name: string) => bun.results[name]?.bun as CaseRun;
    const res = (name: string) => run(name).result;
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
    expect(res('an exit code with stdout only').thrown).toMatchObject({
      message: "sh -c 'echo only out; exit 3' exited 3: only out",
    });
    expect(res('an exit code it is told is fine')).toEqual({exitCode: 2, stdout: '', stderr: ''});
    for (const name of [
      'a missing command',
      'a missing tool (PATH from env)',
      'a missing absolute path',
      'a missing cwd',
    ])
      expect(res(name).thrown).toMatchObject({
        code: 'ENOENT',
        message: expect.stringContaining('could not start: '),
      });
    expect(res('a file that is not executable').thrown).toMatchObject({code: 'EACCES'});
    expect(res('cwd and env merged over process.env').stdout).toBe('y /tmp home-kept');
    expect(res('input piped').stdout).toBe('piped');
    expect(res('a tool that exits without reading 1 MiB of input').exitCode).toBe(0);
    for (const name of [
      'a timeout kills the leader and its background child',
      'an abort kills the leader and its background child',
    ]) {
      // Both sleepers wrote their pid, and neither is alive after the run.
      expect({name, pids: run(name).pidsWritten, survivors: run(name).survivors}).toEqual({
        name,
        pids: 2,
        survivors: 0,
      });
      expect(run(name).outcome).toMatchObject({exitCode: null, signal: 'SIGKILL'});
    }
    expect(res('a timeout kills the leader and its background child').thrown).toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/timed out after 1000 ms; its process group was killed$/),
    });
    expect(res('a timeout of 0 is 1 ms').thrown).toMatchObject({
      code: 'ETIMEDOUT',
      message: 'sleep 5 timed out after 0 ms; its process group was killed',
    });
    // The leader exited 0, its child held the output until the timeout killed the group.
    expect(run('a timeout while a background child holds the output')).toMatchObject({
      outcome: {exitCode: 0, stopped: 'timeout'},
      result: {
        thrown: {
          code: 'ETIMEDOUT',
          message: expect.stringMatching(/timed out after 450 ms; its process group was killed: started$/),
        },
      },
      survivors: 0,
    });
    expect(res('a timeout that is not reached').stdout).toBe('quick');
    for (const name of [
      'an abort kills the leader and its background child',
      'an abort before the spawn',
      'an abort before a timeout',
    ])
      expect(res(name).thrown).toMatchObject({
        code: 'ABORT_ERR',
        message: expect.stringContaining('was cancelled; its process group was killed'),
      });
    expect(run('an abort of a missing command')).toMatchObject({
      outcome: {stopped: 'abort', error: {code: 'ENOENT'}},
      result: {thrown: {code: 'ABORT_ERR'}},
      onSpawn: 0,
    });
    // The run returned while the daemon still ran (it is alive after it), without what it wrote later.
    expect(run('a daemon that keeps the output past the grace: its later output is lost')).toMatchObject({
      result: {exitCode: 0, stdout: 'early', stderr: ''},
      pidsWritten: 1,
      survivors: 1,
    });
    // It wrote after the run had returned, and went on: node:child_process reads (and drops) such
    // output; a reader cancelled at the grace made that write kill it with SIGPIPE.
    expect(run('a daemon that writes after the grace lives on (no EPIPE)')).toMatchObject({
      result: {exitCode: 0, stdout: 'early', stderr: ''},
      pidsWritten: 1,
      survivors: 0,
      after: 'wrote: 0',
    });
    expect(res("a background child's output within the grace is kept").stdout).toBe('leader\nbackground');
    expect(run('a background child that closed its output')).toMatchObject({
      result: {stdout: 'leader'},
      survivors: 1,
    });
    expect(res('killed by a signal').thrown).toMatchObject({
      message: expect.stringContaining('was killed by SIGKILL'),
    });
    expect(res('a SIGTERM from elsewhere').thrown).toMatchObject({
      message: expect.stringContaining('was killed by SIGTERM'),
    });
    expect(res('UTF-8 decoding: BOM, accents, an invalid byte').stdout).toBe('\uFEFFhé\uFFFD\n');
    expect(res('large output split in chunks, multi-byte characters').stdout).toMatchObject({
      length: 200_000 * 3 - 1,
    });
  });

  it("onSpawn gets the leader's pid, which leads its own session and process group", () => {
    expect(bun.leaders).toEqual({'child-process': 'pid pid pid', bun: 'pid pid pid'});
    expect(node.leaders).toEqual({'child-process': 'pid pid pid'});
  });

  it('runTool with processGroup goes through Bun.spawn, detached, under bun', () => {
    expect(bun.viaRunTool).toEqual({exitCode: 0, stdout: 'via-runTool', stderr: ''});
    expect(node.viaRunTool).toEqual(bun.viaRunTool);
    expect(bun.bunCalls).toEqual([{detached: true}]);
    expect(node.bunCalls).toEqual([]);
  });
});
