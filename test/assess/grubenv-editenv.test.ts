// The grubenv code against grub-editenv itself (grub-common), and the in-place writer against a
// real file: the golden blocks are made again by grub-editenv, random edit sequences give the same
// bytes, and the writer keeps the inode and size, and refuses what GRUB could not save_env into.

import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  createEnvBlock,
  parseEnvBlock,
  renderEnvBlock,
  setEnvVar,
  unsetEnvVar,
} from '../../src/assess/grubenv.ts';
import {GOLDEN_CASES} from '../../src/assess/grubenv-cases.ts';
import {readEnvBlockFile, writeEnvBlockInPlace} from '../../src/sys/env-block-file.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const editenv = (file: string, ...args: string[]) => execa('grub-editenv', [file, ...args]);

describe('grub-editenv', () => {
  const t = withTempRoot();

  it.each(GOLDEN_CASES)('makes $file again, byte for byte', async ({file, ops}) => {
    const out = path.join(t.base, file);
    await editenv(out, 'create');
    for (const [op, arg] of ops) await editenv(out, op, arg);
    const golden = await fs.readFile(new URL(`../../src/assess/golden/${file}`, import.meta.url));
    expect((await fs.readFile(out)).equals(golden)).toBe(true);
  });

  it('gives the same bytes as our edits for random sequences', async () => {
    const op = fc.tuple(
      fc.constantFrom('a', 'immucore_tries_active', 'next_entry'),
      fc.option(fc.string({unit: fc.constantFrom('x', '\\', '\n', '#', '='), maxLength: 12}), {
        nil: undefined,
      }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, {minLength: 1, maxLength: 6}), async (ops) => {
        const file = path.join(t.base, `random-${n++}.env`);
        await editenv(file, 'create');
        let block = createEnvBlock();
        for (const [name, value] of ops) {
          if (value === undefined) {
            await editenv(file, 'unset', name);
            block = unsetEnvVar(block, name);
          } else {
            await editenv(file, 'set', `${name}=${value}`);
            block = setEnvVar(block, name, value);
          }
        }
        const theirs = (await fs.readFile(file)).toString('latin1');
        expect(renderEnvBlock(block)).toBe(theirs);
        expect(parseEnvBlock(theirs)).toEqual(block);
      }),
      {numRuns: 25},
    );
  });

  it('reads what our writer wrote', async () => {
    const file = path.join(t.root, 'boot_assessment');
    await editenv(file, 'create');
    const before = await fs.stat(file);
    const block = setEnvVar(
      parseEnvBlock((await readEnvBlockFile(t.sys, '/boot_assessment')) ?? ''),
      'immucore_tries_active',
      '3',
    );
    await writeEnvBlockInPlace(t.sys, '/boot_assessment', renderEnvBlock(block));
    const after = await fs.stat(file);
    expect(after.ino).toBe(before.ino);
    expect(after.size).toBe(1024);
    expect((await editenv(file, 'list')).stdout).toBe('immucore_tries_active=3');
  });
});

describe('writeEnvBlockInPlace refuses', () => {
  const t = withTempRoot();
  const block = renderEnvBlock(createEnvBlock());

  it('a sparse file, which GRUB cannot save_env into', async () => {
    await fs.mkdir(t.root, {recursive: true});
    await execa('truncate', ['-s', '1024', t.path('/boot_assessment')]);
    await expect(writeEnvBlockInPlace(t.sys, '/boot_assessment', block)).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringMatching(/sparse/),
      hint: expect.stringMatching(/grub-editenv <file> create/),
    });
  });

  it('a file of another size, leaving it as it was', async () => {
    await fs.writeFile(t.path('/boot_assessment'), 'x'.repeat(2048));
    await expect(writeEnvBlockInPlace(t.sys, '/boot_assessment', block)).rejects.toMatchObject({
      message: expect.stringMatching(/2048 bytes.*never resized/),
    });
    expect(await fs.readFile(t.path('/boot_assessment'), 'utf8')).toBe('x'.repeat(2048));
  });

  it('a missing file, which it never creates', async () => {
    await fs.mkdir(t.root, {recursive: true});
    await expect(writeEnvBlockInPlace(t.sys, '/boot_assessment', block)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(fs.stat(t.path('/boot_assessment'))).rejects.toThrow();
  });

  it('a symlink, which GRUB would not follow', async () => {
    await editenv(t.path('/real'), 'create');
    await fs.symlink('real', t.path('/boot_assessment'));
    await expect(writeEnvBlockInPlace(t.sys, '/boot_assessment', block)).rejects.toMatchObject({
      code: 'ELOOP',
    });
  });
});
