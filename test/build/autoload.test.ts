// The compiled binary ignores the `.env` and `bunfig.toml` of the directory it is started from.
// A standalone bun binary loads both by default, before any of our code runs; immucore starts
// with / as its cwd in the initramfs and from wherever a person stands in a recovery shell.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const BINARY = path.resolve(import.meta.dirname, '../../dist/immucore');

describe('dist/immucore started from a directory with .env and bunfig.toml', () => {
  let dir: string;
  const marker = () => path.join(dir, 'preload-ran');
  // An environment without what the .env sets, so only the file could set it.
  const env = () => {
    const clean: Record<string, string | undefined> = {...process.env};
    delete clean.DEBUG;
    return clean;
  };
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'immucore-autoload-'));
    // DEBUG=* turns on oclif's debug log (lines with "oclif:") on stderr.
    await fs.writeFile(path.join(dir, '.env'), 'DEBUG=*\n');
    // A preload runs before the binary's own code: it leaves a marker and says so.
    await fs.writeFile(path.join(dir, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
    await fs.writeFile(
      path.join(dir, 'preload.js'),
      `require('node:fs').writeFileSync(${JSON.stringify(marker())}, 'ran'); console.error('PRELOAD RAN');\n`,
    );
  });
  afterAll(async () => {
    await fs.rm(dir, {recursive: true, force: true});
  });

  // The control: DEBUG=* from the real environment does reach oclif, so the .env would show.
  it('prints oclif debug lines when DEBUG=* is really in its environment', async () => {
    const {stderr} = await execa(BINARY, ['--help'], {
      cwd: dir,
      env: {...env(), DEBUG: '*'},
      extendEnv: false,
    });
    expect(stderr).toMatch(/oclif:/);
  });

  const commands = [
    {name: '--version (answered before oclif)', argv: ['--version'], stdout: /^immucore\/\S+ \(/},
    {name: '--help', argv: ['--help'], stdout: /USAGE/},
    {name: 'stages list', argv: ['stages', 'list', '--root', '.'], stdout: /rootfs stage/},
  ];
  it.each(commands)(
    '$name: runs no bunfig preload and takes no variable from .env',
    async ({argv, stdout}) => {
      const result = await execa(BINARY, argv, {cwd: dir, env: env(), extendEnv: false});
      expect(result.stdout).toMatch(stdout);
      expect(result.stderr).not.toMatch(/PRELOAD RAN|oclif:/);
      await expect(fs.access(marker())).rejects.toThrow(/ENOENT/);
    },
  );
});
