// Runs the real dracut generator (dracut/28immucore/immucore-generator.sh) with sh, busybox sh and
// bash in POSIX mode, on every cmdline of boot-mode-cases.ts, and checks it writes exactly the
// files decideGeneratorUnits plans. No root needed: it writes into a temporary directory.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {GENERATOR_SCRIPT, renderGeneratorScript} from '../../scripts/render-generator.ts';
import {DISK_DROP_IN, decideGeneratorUnits, type GeneratorUnit, LIVE_DROP_IN} from './boot-mode.ts';
import {BOOT_MODE_CASES, GLOB_BAIT} from './boot-mode-cases.ts';
import {parseCmdline} from './cmdline.ts';
import {decideBootState} from './state.ts';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

const SHELLS: Array<{name: string; argv: string[]}> = [
  {name: 'sh', argv: ['sh']},
  ...(onPath('busybox') ? [{name: 'busybox sh', argv: ['busybox', 'sh']}] : []),
  // /bin/sh is bash on Fedora and openSUSE, whose dracut runs the generator with it.
  ...(onPath('bash') ? [{name: 'bash --posix', argv: ['bash', '--posix']}] : []),
];

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'immucore-generator-'));
  mkdirSync(join(work, 'cwd'));
  for (const name of GLOB_BAIT) writeFileSync(join(work, 'cwd', name), '');
});
afterAll(() => rmSync(work, {recursive: true, force: true}));

function walk(root: string, dir: GeneratorUnit['dir']): GeneratorUnit[] {
  return readdirSync(root, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .map((e) => {
      const file = join(e.parentPath, e.name);
      return {dir, path: relative(root, file), text: readFileSync(file, 'utf8')};
    });
}

function byPlace(a: GeneratorUnit, b: GeneratorUnit): number {
  return `${a.dir}/${a.path}`.localeCompare(`${b.dir}/${b.path}`);
}

/** Run the generator on `cmdline`; the files it wrote, as GeneratorUnits. */
function runGenerator(argv: string[], cmdline: string, id: string): GeneratorUnit[] {
  const out = join(work, id);
  const cmdlineFile = join(out, 'cmdline');
  mkdirSync(out);
  writeFileSync(cmdlineFile, `${cmdline}\n`);
  const [shell = 'sh', ...args] = argv;
  const normal = join(out, 'normal');
  const early = join(out, 'early');
  const run = spawnSync(shell, [...args, GENERATOR_SCRIPT, normal, early, join(out, 'late')], {
    cwd: join(work, 'cwd'),
    env: {PATH: process.env.PATH, IMMUCORE_CMDLINE_FILE: cmdlineFile},
    encoding: 'utf8',
  });
  expect(run.stderr, 'the generator wrote to stderr').toBe('');
  expect(run.status, 'the generator failed').toBe(0);
  return [...walk(normal, 'normal'), ...walk(early, 'early')].sort(byPlace);
}

describe('immucore-generator.sh', () => {
  it('is the rendering of src/boot/boot-mode.ts', () => {
    expect(
      readFileSync(GENERATOR_SCRIPT, 'utf8'),
      'dracut/28immucore/immucore-generator.sh is stale: run `npm run generate:dracut` and commit it',
    ).toBe(renderGeneratorScript());
  });

  it.each(SHELLS)('parses with $name -n', ({argv}) => {
    const [shell = 'sh', ...args] = argv;
    const run = spawnSync(shell, [...args, '-n', GENERATOR_SCRIPT], {encoding: 'utf8'});
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('exits 1 without its output directories', () => {
    expect(spawnSync('sh', [GENERATOR_SCRIPT]).status).toBe(1);
  });

  // [title, case] rows: '%s' prints the whole title, where '$name' would cut it at 40 characters.
  const runs = SHELLS.flatMap((shell) =>
    BOOT_MODE_CASES.map(
      (c, i) =>
        [`${shell.name}: ${c.name}`, {...c, argv: shell.argv, id: `${shell.argv.join('-')}-${i}`}] as const,
    ),
  );
  it.each(runs)('%s', (_title, {argv, cmdline, id}) => {
    const config = parseCmdline(cmdline);
    const written = runGenerator(argv, cmdline, id);
    expect(written).toEqual([...decideGeneratorUnits(config)].sort(byPlace));
    const dropIn = decideBootState(config).mode === 'disk' ? DISK_DROP_IN : LIVE_DROP_IN;
    expect(written.filter((u) => u.dir === 'normal').map((u) => u.path)).toEqual([dropIn]);
  });
});
