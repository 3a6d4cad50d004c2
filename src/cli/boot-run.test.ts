import {parseArgs} from 'node:util';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {type BootRunFlags, parseBootRunArgv} from './boot-run.ts';

/** What the boot's flags meant when node's parseArgs read them (strict, no positionals). */
function byParseArgs(argv: string[]): BootRunFlags | undefined {
  if (argv[0] !== undefined && argv[0] !== 'run') return undefined;
  try {
    const {values} = parseArgs({
      args: argv[0] === 'run' ? argv.slice(1) : argv,
      options: {root: {type: 'string'}, devices: {type: 'string'}},
      strict: true,
      allowPositionals: false,
    });
    return {...values};
  } catch {
    return undefined;
  }
}

describe('parseBootRunArgv', () => {
  const valid: Array<{name: string; argv: string[]; want: BootRunFlags}> = [
    {name: 'no arguments is a boot', argv: [], want: {}},
    {name: 'run alone is a boot', argv: ['run'], want: {}},
    {
      name: 'root and devices as separate words',
      argv: ['run', '--root', '/r', '--devices', 'loop1,loop2'],
      want: {root: '/r', devices: 'loop1,loop2'},
    },
    {name: 'an empty value after =', argv: ['run', '--devices='], want: {devices: ''}},
    {name: 'a value with a dash after =', argv: ['run', '--root=-x'], want: {root: '-x'}},
    {name: 'a lone dash is a value', argv: ['run', '--root', '-'], want: {root: '-'}},
    {
      name: 'the last of a repeated flag wins',
      argv: ['run', '--root', '/a', '--root=/b'],
      want: {root: '/b'},
    },
    {name: 'a trailing -- ends the flags', argv: ['run', '--root', '/r', '--'], want: {root: '/r'}},
  ];
  it.each(valid)('$name', ({argv, want}) => {
    expect(parseBootRunArgv(argv)).toEqual(want);
  });

  const invalid: Array<{name: string; argv: string[]}> = [
    {name: 'another command', argv: ['status']},
    {name: 'flags without run (oclif adds run)', argv: ['--root=/r']},
    {name: 'help goes to oclif', argv: ['run', '--help']},
    {name: 'an unknown flag (oclif names it)', argv: ['run', '--dry-run']},
    {name: 'a positional', argv: ['run', 'extra']},
    {name: 'a positional after --', argv: ['run', '--', '--root']},
    {name: 'a flag without its value', argv: ['run', '--root']},
    {name: 'a value that looks like a flag', argv: ['run', '--root', '--devices', 'x']},
    {name: 'a short flag', argv: ['run', '-r', '/r']},
    {name: 'a prefix of a flag', argv: ['run', '--roo', '/r']},
  ];
  it.each(invalid)('$name', ({argv}) => {
    expect(parseBootRunArgv(argv)).toBeUndefined();
    expect(byParseArgs(argv)).toBeUndefined();
  });

  it("agrees with node's parseArgs on any argv", () => {
    const word = fc.oneof(
      fc.constantFrom(
        'run',
        '--root',
        '--devices',
        '--root=/r',
        '--devices=',
        '--',
        '-',
        '-r',
        '--x',
        '--root=--',
      ),
      fc.constantFrom('/r', 'a=b', '', 'status', '--help', '-x', '---root', '--root==', '--Root'),
      fc.string({maxLength: 8}),
    );
    fc.assert(
      fc.property(fc.array(word, {maxLength: 7}), (argv) => {
        expect(parseBootRunArgv(argv)).toEqual(byParseArgs(argv));
      }),
      {numRuns: 2000},
    );
  });
});
