// The build's pino stubs (scripts/pino-stubs.ts): a binary built with the product's options logs
// as src/log/logger.ts does, and each part of pino that was left out fails with its name.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {BunBuildConfig} from '../../scripts/bun-build.ts';
import {findBun} from '../../scripts/compile.ts';
import {pickPinoStub, renamePinoWorkerThreads} from '../../scripts/pino-stubs.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const PINO = path.join(REPO, 'node_modules/pino');

describe('pickPinoStub', () => {
  const cases: Array<{name: string; request: string; importer: string; want: string | undefined}> = [
    {
      name: 'sonic-boom from lib/tools.js',
      request: 'sonic-boom',
      importer: `${PINO}/lib/tools.js`,
      want: 'sonic-boom',
    },
    {
      name: 'the renamed worker_threads from lib/tools.js',
      request: 'immucore-pino-stub/worker_threads',
      importer: `${PINO}/lib/tools.js`,
      want: 'worker_threads',
    },
    {
      name: 'worker_threads itself (a builtin: the rename does it)',
      request: 'worker_threads',
      importer: `${PINO}/lib/tools.js`,
      want: undefined,
    },
    {
      name: 'the transport from lib/tools.js',
      request: './transport',
      importer: `${PINO}/lib/tools.js`,
      want: 'transport',
    },
    {
      name: 'the transport from pino.js',
      request: './lib/transport',
      importer: `${PINO}/pino.js`,
      want: 'transport',
    },
    {
      name: 'on-exit-leak-free from pino',
      request: 'on-exit-leak-free',
      importer: `${PINO}/lib/tools.js`,
      want: 'on-exit-leak-free',
    },
    {
      name: 'thread-stream from pino',
      request: 'thread-stream',
      importer: `${PINO}/lib/transport.js`,
      want: 'thread-stream',
    },
    {
      name: 'worker_threads from another package',
      request: 'worker_threads',
      importer: `${REPO}/node_modules/vitest/x.js`,
      want: undefined,
    },
    {
      name: 'worker_threads from our code',
      request: 'node:worker_threads',
      importer: `${REPO}/src/x.ts`,
      want: undefined,
    },
    {
      name: 'sonic-boom from pino-pretty',
      request: 'sonic-boom',
      importer: `${REPO}/node_modules/pino-pretty/index.js`,
      want: undefined,
    },
    {name: "pino's other files", request: './multistream', importer: `${PINO}/pino.js`, want: undefined},
    {
      name: 'a name that only contains transport',
      request: './transport-stream',
      importer: `${PINO}/lib/worker.js`,
      want: undefined,
    },
  ];
  it.each(cases)('$name', ({request, importer, want}) => {
    expect(pickPinoStub(request, importer)).toBe(want);
  });
});

describe('renamePinoWorkerThreads', () => {
  it("renames the one worker_threads request of the installed pino's lib/tools.js", async () => {
    const file = path.join(PINO, 'lib/tools.js');
    const renamed = renamePinoWorkerThreads(await fs.readFile(file, 'utf8'), file);
    expect(renamed).toContain("{ isMainThread } = require('immucore-pino-stub/worker_threads')");
    expect(renamed).not.toContain("require('worker_threads')");
  });

  const invalid = [
    {name: 'a pino that no longer requires it', source: "const os = require('node:os')", count: 0},
    {
      name: 'a pino that requires it twice',
      source: "require('worker_threads'); require('worker_threads')",
      count: 2,
    },
  ];
  it.each(invalid)('fails the build on $name, naming the file and the fix', ({source, count}) => {
    expect(() => renamePinoWorkerThreads(source, '/x/pino/lib/tools.js')).toThrow(
      new RegExp(`/x/pino/lib/tools.js requires worker_threads ${count} times.*Try: .*scripts/pino-stubs.ts`),
    );
  });
});

// The product: what the stubs replace is not in dist/immucore (compiled by the global setup). The
// plugin's resolve hook is never asked about builtins such as worker_threads: a stub that does not
// apply is silent, hence this check of the bytes.
describe('dist/immucore', () => {
  const left = [
    {name: "pino's worker_threads request", text: 'require("worker_threads")'},
    {name: "sonic-boom's code", text: 'sonic boom is not ready yet'},
    {name: "thread-stream's code", text: 'the worker has exited'},
    {name: "on-exit-leak-free's code", text: 'ensureRegistry'},
  ];
  let binary: string;
  beforeAll(async () => {
    binary = await fs.readFile(path.join(REPO, 'dist/immucore'), 'latin1');
  });
  it.each(left)('does not carry $name', ({text}) => {
    expect(binary).toContain('is not in this build: immucore compiles pino without');
    expect(binary).not.toContain(text);
  });
});

describe('a binary built with the pino stubs', () => {
  let dir: string;
  let probe: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'immucore-pino-probe-'));
    probe = path.join(dir, 'probe');
    const config: BunBuildConfig = {
      entry: path.join(REPO, 'test/build/fixtures/pino-probe.ts'),
      outfile: probe,
      define: {},
    };
    await execa(findBun(REPO), [path.join(REPO, 'scripts/bun-build.ts'), JSON.stringify(config)], {
      cwd: REPO,
    });
  });
  afterAll(async () => {
    await fs.rm(dir, {recursive: true, force: true});
  });

  it('logs JSON lines through a multistream of plain sinks, as the boot logger does', async () => {
    const {stdout} = await execa(probe, ['multistream']);
    const record = JSON.parse(stdout);
    expect(record).toMatchObject({level: 30, step: 'probe', n: 1, msg: 'hello'});
    expect(record.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('logs to stdout when given no stream (bun: process.stdout itself, no sonic-boom)', async () => {
    const {stdout} = await execa(probe, ['stdout']);
    expect(JSON.parse(stdout)).toMatchObject({level: 30, msg: 'to stdout'});
  });

  const missing = [
    {
      call: 'destination',
      error: /sonic-boom \(pino\.destination\(\), a file path as stream\) is not in this build/,
    },
    {
      call: 'path-stream',
      error: /sonic-boom \(pino\.destination\(\), a file path as stream\) is not in this build/,
    },
    {call: 'transport', error: /pino\.transport\(\) is not in this build/},
    {call: 'transport-option', error: /pino\.transport\(\) is not in this build/},
  ];
  it.each(missing)('$call fails and names what is missing and where', async ({call, error}) => {
    const result = await execa(probe, [call], {reject: false});
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(error);
    expect(result.stderr).toMatch(/scripts\/pino-stubs\.ts/);
  });
});
