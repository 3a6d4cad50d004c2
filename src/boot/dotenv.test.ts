import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {decideDotenvValue, parseDotenv, parseDotenvBool, parseDotenvEntries} from './dotenv.ts';

const FILE = '/run/cos/cos-layout.env';

describe('parseDotenv', () => {
  const valid: Array<{name: string; text: string; want: Record<string, string>}> = [
    {name: 'an empty file has no variables', text: '', want: {}},
    {name: 'a plain assignment', text: 'RW_PATHS=/etc', want: {RW_PATHS: '/etc'}},
    {
      name: 'an unquoted value keeps its inner spaces',
      text: 'RW_PATHS=/etc /var',
      want: {RW_PATHS: '/etc /var'},
    },
    {name: 'export is dropped', text: 'export RW_PATHS=/etc', want: {RW_PATHS: '/etc'}},
    {name: 'export with several spaces and a tab', text: 'export  \tA=1', want: {A: '1'}},
    {name: 'a variable may be named export', text: 'export=1', want: {export: '1'}},
    {
      name: 'blank lines and full-line comments are skipped',
      text: '\n  \n# RW_PATHS=/x\n  # c\nA=1\n',
      want: {A: '1'},
    },
    {name: 'CRLF line ends', text: 'A=1\r\nB=2\r\n', want: {A: '1', B: '2'}},
    {
      name: 'a trailing comment after an unquoted value',
      text: 'A=/etc /var # the defaults',
      want: {A: '/etc /var'},
    },
    {name: '# inside an unquoted word is kept', text: 'A=a#b', want: {A: 'a#b'}},
    {name: 'a comment right after = leaves the value empty', text: 'A= # nothing', want: {A: ''}},
    {name: 'an empty value', text: 'A=', want: {A: ''}},
    {name: 'spaces around = are allowed', text: 'A = 1', want: {A: '1'}},
    {
      name: 'single quotes are literal',
      text: String.raw`A='a \n $B "c" # d'`,
      want: {A: String.raw`a \n $B "c" # d`},
    },
    {name: 'double quotes keep # and spaces', text: 'A=" /etc  # x "', want: {A: ' /etc  # x '}},
    {
      name: 'double-quote escapes',
      text: String.raw`A="q\" b\\ n\n d\$ t\` x\y"`,
      want: {A: 'q" b\\ n\n d$ t` x\\y'},
    },
    {name: 'a comment after a closing quote', text: 'A="/etc" # c', want: {A: '/etc'}},
    {name: 'a later duplicate wins', text: 'A=1\nB=2\nA=3', want: {A: '3', B: '2'}},
    {
      name: 'a key that looks like a prototype is a plain key',
      text: '__proto__=x',
      want: {['__proto__']: 'x'},
    },
  ];
  it.each(valid)('$name', ({text, want}) => {
    const got = parseDotenv(text, FILE);
    expect(got.errors).toEqual([]);
    expect(got.warnings).toEqual([]);
    expect(got.value).toStrictEqual(Object.fromEntries(Object.entries(want)));
  });

  const invalid = [
    {
      name: 'a line without =',
      line: 'RW_PATHS /etc',
      error: /:2: .*has no "="/,
      hint: /KEY=value, e\.g\. RW_PATHS="\/etc \/var"/,
    },
    {name: 'export without =', line: 'export RW_PATHS', error: /:2: .*has no "="/, hint: /KEY=value/},
    {
      name: 'a key starting with a digit',
      line: '1RW=/etc',
      error: /:2: .*invalid variable name "1RW"/,
      hint: /RW_PATHS=/,
    },
    {
      name: 'a key with a dash',
      line: 'RW-PATHS=/etc',
      error: /invalid variable name "RW-PATHS"/,
      hint: /PERSISTENT_STATE_PATHS=/,
    },
    {
      name: 'a key with a space',
      line: 'RW PATHS=/etc',
      error: /invalid variable name "RW PATHS"/,
      hint: /letters|RW_PATHS=/,
    },
    {name: 'no key at all', line: '=/etc', error: /invalid variable name ""/, hint: /RW_PATHS=/},
    {
      name: 'an unterminated double quote',
      line: 'A="/etc /var',
      error: /:2: .*unterminated double quote/,
      hint: /Close the quote/,
    },
    {
      name: 'an escaped closing quote',
      line: String.raw`A="/etc\"`,
      error: /unterminated double quote/,
      hint: /same line/,
    },
    {
      name: 'an unterminated single quote',
      line: "A='/etc",
      error: /:2: .*unterminated single quote/,
      hint: /Close the quote/,
    },
    {
      name: 'text after the closing quote',
      line: 'A="/etc"/var',
      error: /text after the closing double quote/,
      hint: /inside the quotes/,
    },
  ];
  it.each(invalid)('$name', ({line, error, hint}) => {
    const got = parseDotenv(`B=1\n  ${line}  \nC=2`, FILE);
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]).toMatchObject({level: 'error', input: line});
    expect(got.errors[0]?.message).toMatch(error);
    expect(got.errors[0]?.message).toContain(`${FILE}:2`);
    expect(got.errors[0]?.hint).toMatch(hint);
    expect(got.value).toEqual({B: '1', C: '2'});
  });

  it('never throws, and names only lines of the file', () => {
    const line = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.constantFrom('', 'export ', ' '), fc.string(), fc.constantFrom('=', ' = ', ''), fc.string())
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(fc.array(line, {maxLength: 12}), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        const got = parseDotenv(text, FILE);
        const trimmed = text.split(/\r?\n/).map((l) => l.trim());
        for (const p of got.errors) expect(trimmed).toContain(p.input);
      }),
    );
  });

  it('reads back any one-line value written in double quotes', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    const value = fc.string().filter((v) => !/[\r\n]/.test(v));
    fc.assert(
      fc.property(key, value, (k, v) => {
        const quoted = v.replace(/[\\"$`]/g, (c) => `\\${c}`);
        expect(parseDotenv(`export ${k}="${quoted}" # written by a test`, FILE).value[k]).toBe(v);
      }),
    );
  });
});

describe('parseDotenvEntries', () => {
  it('keeps the file, the trimmed line and its number for each variable', () => {
    const got = parseDotenvEntries('# c\n  export A="x"  \n', FILE);
    expect(got.entries.get('A')).toEqual({key: 'A', value: 'x', file: FILE, line: 'export A="x"', lineNo: 2});
  });
});

describe('parseDotenvBool', () => {
  const valid = [
    ...['true', 'TRUE', 'yes', 'Yes', '1'].map((text) => ({text, want: true})),
    ...['false', 'False', 'no', 'NO', '0'].map((text) => ({text, want: false})),
  ];
  it.each(valid)('$text is $want', ({text, want}) => {
    expect(parseDotenvBool(text)).toEqual({ok: true, value: want});
  });

  it.each(['maybe', 'on', '2', 'truefalse', ' true'])('%s is refused', (text) => {
    expect(parseDotenvBool(text)).toEqual({ok: false, reason: 'is not true/false, yes/no or 1/0'});
  });
});

describe('decideDotenvValue', () => {
  const entry = (value: string) => parseDotenvEntries(`\nB=${value}`, FILE).entries.get('B');
  const valid = [
    {name: 'an unset variable gives the fallback', value: undefined, want: true},
    {name: 'an empty value gives the fallback', value: '', want: true},
    {name: 'a value is parsed', value: 'no', want: false},
    {name: 'surrounding spaces are ignored', value: '" no "', want: false},
  ];
  it.each(valid)('$name', ({value, want}) => {
    const e = value === undefined ? undefined : entry(value);
    expect(decideDotenvValue(e, true, parseDotenvBool, 'hint')).toEqual({value: want, errors: []});
  });

  it('an invalid value is an error naming the line, and gives the fallback', () => {
    const got = decideDotenvValue(entry('maybe'), true, parseDotenvBool, 'Write B=true.');
    expect(got.value).toBe(true);
    expect(got.errors).toEqual([
      {
        level: 'error',
        input: 'B=maybe',
        message: `${FILE}:2: B "maybe" is not true/false, yes/no or 1/0; using the default.`,
        hint: 'Write B=true.',
      },
    ]);
  });
});
