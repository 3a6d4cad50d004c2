// The GRUB environment block (src/assess/grubenv.ts), as a damaged disk, GRUB or a person's
// grub-editenv leaves it on COS_STATE: any bytes parse or throw an EnvBlockError (nothing else),
// whose quoted text is in the input; what parses renders back to a block that parses the same, at
// the same size; set and unset keep the size and do what load_env will read.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {describe, it} from 'vitest';
import {
  ENV_BLOCK_SIGNATURE,
  ENV_BLOCK_SIZE,
  EnvBlockError,
  envVars,
  parseEnvBlock,
  renderEnvBlock,
  setEnvVar,
  unsetEnvVar,
} from '../src/assess/grubenv.ts';
import {fuzz, nasty} from './lib.ts';

const latin1 = (maxLength: number) =>
  fc.string({unit: fc.integer({min: 0, max: 255}).map((c) => String.fromCharCode(c)), maxLength});
const NAMES = ['immucore_next', 'immucore_tries_active', 'next_entry', 'saved_entry', 'a', '#x', 'x=y', ''];
const VALUES = ['yes', 'no', '3', '', 'active', 'a\\b', 'a\nb', '\\', '#', '=='];
const nameArb = fc.oneof({weight: 3, arbitrary: fc.constantFrom(...NAMES)}, nasty);
const valueArb = fc.oneof({weight: 3, arbitrary: fc.constantFrom(...VALUES)}, nasty, latin1(40));
// Lines as the block holds them, including escapes, comments, lines without '=' and a last line
// cut short; then '#' padding, or not.
const rawLine = fc.oneof(
  fc.tuple(nameArb, valueArb).map(([n, v]) => `${n}=${v.replace(/[\\\n]/g, (c) => `\\${c}`)}\n`),
  fc.constantFrom('# comment\n', '\n', 'novalue\n', 'a=b\\', 'a=\\\n\n', '#\n'),
  latin1(30),
);
const blockText = fc
  .tuple(
    fc.constantFrom(ENV_BLOCK_SIGNATURE, ENV_BLOCK_SIGNATURE, ENV_BLOCK_SIGNATURE, '# GRUB Environment', ''),
    fc.array(rawLine, {maxLength: 12}),
    fc.integer({min: 0, max: ENV_BLOCK_SIZE}),
  )
  .map(([sig, lines, pad]) => {
    const body = sig + lines.join('');
    return body + '#'.repeat(Math.max(0, pad - body.length));
  });
const anyText = fc.oneof({weight: 4, arbitrary: blockText}, latin1(1100));

/** The input an EnvBlockError quotes (a line, a name), as printable() shows it: \n for a newline, … when cut. */
function quoted(message: string): string | undefined {
  const m =
    /^line "([\s\S]*)" has no "="$/.exec(message) ?? /^"([\s\S]*)" is not a variable name$/.exec(message);
  return m?.[1]?.replace(/…$/, '');
}

describe('fuzz: grubenv', () => {
  it('parses any bytes or names the damage; what parses renders back the same', async () => {
    await fuzz('grubenv parse', anyText, (text) => {
      let block: ReturnType<typeof parseEnvBlock>;
      try {
        block = parseEnvBlock(text);
      } catch (err) {
        assert.ok(err instanceof EnvBlockError, `not an EnvBlockError: ${String(err)}`);
        const q = quoted(err.message);
        if (q !== undefined)
          assert.ok(
            text.includes(q) || text.includes(q.replaceAll('\\n', '\n')),
            `"${q}" is not in the input: ${err.message}`,
          );
        return;
      }
      assert.equal(block.size, text.length);
      const again = renderEnvBlock(block);
      assert.equal(again.length, text.length);
      assert.deepEqual(parseEnvBlock(again), block);
    });
  });

  it('set and unset keep the size and do what load_env reads', async () => {
    const ops = fc.array(fc.tuple(nameArb, fc.option(valueArb, {nil: undefined})), {maxLength: 8});
    await fuzz('grubenv set/unset', fc.tuple(blockText, ops), ([text, changes]) => {
      let block: ReturnType<typeof parseEnvBlock>;
      try {
        block = parseEnvBlock(text);
      } catch {
        return;
      }
      for (const [name, value] of changes) {
        try {
          const next = value === undefined ? unsetEnvVar(block, name) : setEnvVar(block, name, value);
          const rendered = renderEnvBlock(next);
          assert.equal(rendered.length, block.size);
          const vars = envVars(parseEnvBlock(rendered));
          assert.equal(vars[name], value);
          block = next;
        } catch (err) {
          assert.ok(err instanceof EnvBlockError, `not an EnvBlockError: ${String(err)}`);
          assert.ok(err.code === 'no-space' || err.code === 'bad-name', err.message);
        }
      }
    });
  });
});
