import {describe, expect, it} from 'vitest';
import {parseDotenv} from '../boot/dotenv.ts';
import {mergeDotenv, renderDotenvLine} from './dotenv-merge.ts';

const FILE = '/run/cos/cos-layout.env';

describe('mergeDotenv', () => {
  const cases = [
    {
      name: 'an empty file gets the keys in order',
      before: '',
      set: [
        ['A', '1'],
        ['B', '2'],
      ],
      want: 'A="1"\nB="2"\n',
    },
    {
      name: 'foreign keys, comments and export lines are kept',
      before: '# layout\nexport FOO=bar\nRW_PATHS="/etc"\n',
      set: [['OVERLAY', 'tmpfs:25%']],
      want: '# layout\nexport FOO=bar\nRW_PATHS="/etc"\nOVERLAY="tmpfs:25%"\n',
    },
    {
      name: 'a key is rewritten in place of its last assignment, earlier ones dropped',
      before: 'A=old\nB=keep\nexport A="older"\nC=keep\n',
      set: [['A', 'new']],
      want: 'B=keep\nA="new"\nC=keep\n',
    },
    {name: 'a file without a final newline', before: 'A=1', set: [['B', '2']], want: 'A=1\nB="2"\n'},
    {
      name: 'a line we cannot parse is kept',
      before: 'this is not dotenv\n',
      set: [['A', 'x']],
      want: 'this is not dotenv\nA="x"\n',
    },
  ] as const;
  it.each(cases)('$name', ({before, set, want}) => {
    expect(mergeDotenv(before, set as unknown as Array<[string, string]>, FILE)).toBe(want);
  });

  it('values with quotes, dollars, backslashes and newlines read back as written', () => {
    const values: Array<[string, string]> = [
      ['Q', 'say "hi"'],
      ['D', '$HOME and `x`'],
      ['B', 'a\\b'],
      ['N', 'line1\nline2'],
      ['S', "it's"],
      ['E', ''],
    ];
    const text = mergeDotenv('KEEP=1\n', values, FILE);
    expect(parseDotenv(text, FILE)).toEqual({
      value: {KEEP: '1', ...Object.fromEntries(values)},
      errors: [],
      warnings: [],
    });
  });

  it('renders one double-quoted assignment', () => {
    expect(renderDotenvLine('VOLUMES', 'LABEL=COS_PERSISTENT:/usr/local')).toBe(
      'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
    );
  });
});
