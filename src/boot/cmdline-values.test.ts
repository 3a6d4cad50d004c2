import {describe, expect, it} from 'vitest';
import {
  because,
  closestName,
  editDistance,
  parseFlag,
  parseRequired,
  parseSeconds,
  parseTokens,
} from './cmdline-values.ts';

describe('parseTokens', () => {
  const valid = [
    {name: 'an empty cmdline has no tokens', text: '', want: []},
    {
      name: 'a bare word has no value',
      text: ' quiet\n',
      want: [{text: 'quiet', key: 'quiet', value: undefined, at: 0}],
    },
    {
      name: 'the first = splits key and value',
      text: 'a=b=c',
      want: [{text: 'a=b=c', key: 'a', value: 'b=c', at: 0}],
    },
    {
      name: 'an empty value is kept',
      text: 'a= \tb',
      want: [
        {text: 'a=', key: 'a', value: '', at: 0},
        {text: 'b', key: 'b', value: undefined, at: 1},
      ],
    },
    {
      name: 'a no-break space is not a separator',
      text: 'a\u00a0b',
      want: [{text: 'a\u00a0b', key: 'a\u00a0b', value: undefined, at: 0}],
    },
  ];
  it.each(valid)('$name', ({text, want}) => {
    expect(parseTokens(text)).toEqual(want);
  });
});

describe('parseRequired', () => {
  it.each([
    {value: 'x', want: {ok: true, value: 'x'}},
    {value: undefined, want: {ok: false, reason: 'is missing'}},
    {value: '', want: {ok: false, reason: 'is empty'}},
  ])('$value', ({value, want}) => {
    expect(parseRequired(value)).toEqual(want);
  });
});

describe('parseFlag', () => {
  const valid: Array<[string | undefined, boolean]> = [
    [undefined, true],
    ['1', true],
    ['yes', true],
    ['True', true],
    ['0', false],
    ['no', false],
    ['FALSE', false],
  ];
  it.each(valid)('%s is %s', (value, want) => {
    expect(parseFlag(value)).toEqual({ok: true, value: want});
  });

  const invalid = [
    {value: '', reason: /is empty/},
    {value: 'on', reason: /"on" is not one of 1, 0, yes, no, true, false/},
    {value: '2', reason: /"2" is not one of/},
  ];
  it.each(invalid)('$value is refused', ({value, reason}) => {
    const got = parseFlag(value);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.reason).toMatch(reason);
  });
});

describe('parseSeconds', () => {
  it.each([
    ['0', 0],
    ['5', 5],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('%s is %d', (value, want) => {
    expect(parseSeconds(value)).toEqual({ok: true, value: want});
  });

  const invalid = [
    {value: undefined, reason: 'is missing'},
    {value: '', reason: 'is empty'},
    {value: '-1', reason: 'is negative'},
    {value: '1.5', reason: 'is not a whole number of seconds'},
    {value: '5s', reason: 'is not a whole number of seconds'},
    {value: '+5', reason: 'is not a whole number of seconds'},
    {value: '9007199254740993', reason: 'is too large'},
  ];
  it.each(invalid)('$value is refused', ({value, reason}) => {
    expect(parseSeconds(value)).toEqual({ok: false, reason});
  });
});

describe('because', () => {
  it.each([
    ['has no mountpoint', 'the value has no mountpoint'],
    ['is negative', 'the value is negative'],
    ['contains ".."', 'the value contains ".."'],
    ['"lots" is not a size', '"lots" is not a size'],
    ['mountpoint is not an absolute path', 'mountpoint is not an absolute path'],
  ])('%s', (reason, want) => {
    expect(because(reason)).toBe(want);
  });
});

describe('editDistance', () => {
  it.each([
    ['debug', 'debug', 0],
    ['debg', 'debug', 1],
    ['oemtimout', 'oemtimeout', 1],
    ['mnt', 'mount', 2],
    ['', 'abc', 3],
    ['frobnicate', 'debug', 3],
    ['x'.repeat(100_000), 'debug', 3],
  ])('%s to %s within 2 is %d', (a, b, want) => {
    expect(editDistance(a, b, 2)).toBe(want);
  });
});

describe('closestName', () => {
  const known = ['debugrw', 'debug', 'mount', 'overlay'];
  it.each([
    {name: 'debg', want: 'debug'},
    {name: 'DEBUG', want: 'debug'},
    {name: 'debugr', want: 'debugrw'},
    {name: 'mounts', want: 'mount'},
    {name: 'overlays', want: 'overlay'},
    {name: 'frobnicate', want: undefined},
    {name: '', want: undefined},
  ])('$name → $want', ({name, want}) => {
    expect(closestName(name, known)).toBe(want);
  });
});
