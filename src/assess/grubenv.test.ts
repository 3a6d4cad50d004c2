import {readFileSync} from 'node:fs';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  createEnvBlock,
  ENV_BLOCK_SIZE,
  EnvBlockError,
  envVars,
  parseEnvBlock,
  renderEnvBlock,
  setEnvVar,
  unsetEnvVar,
} from './grubenv.ts';
import {type EnvOp, GOLDEN_CASES} from './grubenv-cases.ts';

const golden = (file: string) => readFileSync(new URL(`./golden/${file}`, import.meta.url), 'latin1');

function replay(ops: EnvOp[]) {
  let block = createEnvBlock();
  for (const [op, arg] of ops) {
    if (op === 'unset') block = unsetEnvVar(block, arg);
    else block = setEnvVar(block, arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1));
  }
  return block;
}

describe('renderEnvBlock', () => {
  it.each(GOLDEN_CASES)('$file is byte-exact with grub-editenv', ({file, ops}) => {
    const want = golden(file);
    expect(want).toHaveLength(ENV_BLOCK_SIZE);
    expect(renderEnvBlock(replay(ops))).toBe(want);
  });

  it('refuses lines that do not fit the block, naming the sizes', () => {
    const err = (() => {
      try {
        setEnvVar(createEnvBlock(), 'big', 'x'.repeat(1000));
      } catch (e) {
        return e as EnvBlockError;
      }
    })();
    expect(err?.code).toBe('no-space');
    expect(err?.message).toMatch(/need 1\d{3} bytes, the block has 1024/);
  });
});

describe('parseEnvBlock', () => {
  it.each(GOLDEN_CASES)('$file parses to the lines it was made of and renders back', ({file, ops}) => {
    const parsed = parseEnvBlock(golden(file));
    expect(parsed).toEqual(replay(ops));
    expect(renderEnvBlock(parsed)).toBe(golden(file));
  });

  it('reads the values grub-editenv list prints', () => {
    expect(envVars(parseEnvBlock(golden('escapes.env')))).toEqual({
      a: 'x',
      c: 'trailing\\',
      b: '#not a comment',
    });
  });

  const invalid = [
    {name: 'no signature', text: 'hello=1\n'.padEnd(1024, '#'), code: 'signature'},
    {
      name: 'padding after a cut line',
      text: '# GRUB Environment Block\na=1'.padEnd(1024, '#'),
      code: 'damaged',
    },
    {
      name: 'a line without =',
      text: '# GRUB Environment Block\nnoequals\n'.padEnd(1024, '#'),
      code: 'damaged',
    },
    {
      name: 'garbage after the padding',
      text: `${'# GRUB Environment Block\n'.padEnd(1020, '#')}oops`,
      code: 'damaged',
    },
  ];
  it.each(invalid)('refuses $name', ({text, code}) => {
    expect(() => parseEnvBlock(text)).toThrow(EnvBlockError);
    try {
      parseEnvBlock(text);
    } catch (e) {
      expect((e as EnvBlockError).code).toBe(code);
    }
  });
});

describe('setEnvVar', () => {
  it('refuses a name GRUB would read back differently', () => {
    for (const name of ['', 'a=b', 'a\nb', '#x'])
      expect(() => setEnvVar(createEnvBlock(), name, '1')).toThrow(/not a variable name/);
  });

  it('round-trips any value through render and parse', () => {
    const names = fc.constantFrom('a', 'immucore_tries_active', 'next_entry', 'x_y');
    const value = fc.string({unit: fc.constantFrom('a', 'b', '\\', '\n', '#', '=', ' ', 'é'), maxLength: 40});
    fc.assert(
      fc.property(fc.array(fc.tuple(names, fc.option(value, {nil: undefined})), {maxLength: 12}), (ops) => {
        let block = createEnvBlock();
        const want: Record<string, string> = {};
        for (const [name, v] of ops) {
          if (v === undefined) {
            block = unsetEnvVar(block, name);
            delete want[name];
          } else {
            block = setEnvVar(block, name, v);
            want[name] = v;
          }
        }
        const text = renderEnvBlock(block);
        expect(text).toHaveLength(ENV_BLOCK_SIZE);
        expect(envVars(parseEnvBlock(text))).toEqual(want);
      }),
    );
  });
});

// Cases `npm run fuzz` (fuzz/grubenv.fuzz.ts) found, kept as regression tests.
describe('found by the fuzzer', () => {
  const SIG = '# GRUB Environment Block\n';
  const block = (body: string) =>
    parseEnvBlock(SIG + body + '#'.repeat(ENV_BLOCK_SIZE - SIG.length - body.length));

  it('set on a name that has two lines leaves one, so load_env reads the new value', () => {
    const next = setEnvVar(block('a=1\nb=2\na=3\n'), 'a', '');
    expect(renderEnvBlock(next).startsWith(`${SIG}a=\nb=2\n#`)).toBe(true);
    expect(envVars(parseEnvBlock(renderEnvBlock(next))).a).toBe('');
  });

  it('unset removes every line of the name', () => {
    const next = unsetEnvVar(block('a=1\nb=2\na=3\n'), 'a');
    expect(envVars(next)).toEqual({b: '2'});
  });

  it('a variable named like an Object method is read as the block has it, or as absent', () => {
    expect(envVars(block('')).valueOf).toBeUndefined();
    expect(envVars(block('constructor=x\n')).constructor).toBe('x');
  });
});
