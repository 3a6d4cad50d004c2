// The build's pino stubs (scripts/pino-stubs.ts): a binary built with the product's options logs
// as src/log/logger.ts does, and each part of pino that was left out fails with its name.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {BunBuildConfig} from '../../scripts/bun-build.ts';
import {findBun} from '../../scripts/compile.ts';
import {pickPinoStub} from '../../scripts/pino-stubs.ts';

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
      name: 'worker_threads from lib/tools.js',
      request: 'worker_threads',
      importer: `${PINO}/lib/tools.js`,
      want: 'worker_threads',
    },
    {
      name: 'node:worker_threads from pino',
      request: 'node:worker_threads',
      importer: `${PINO}/lib/tools.js`,
      want: 'worker_threads',
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
