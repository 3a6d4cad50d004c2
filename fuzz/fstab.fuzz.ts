// /sysroot/etc/fstab (SPEC §8): whatever the sources, targets and options of the mounts, each line
// reads back (fstab(5) unescaping, as libmount does) as the mount it was rendered from, paths seen
// from the booted system, and the file has one line per target.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import {describe, it} from 'vitest';
import {orderOptions, parseFstabLine, renderFstab, renderFstabLine, stripSysroot} from '../src/boot/fstab.ts';
import {fuzz, nasty} from './lib.ts';

const segment = fc.oneof(
  {weight: 3, arbitrary: fc.constantFrom('etc', 'var', 'lib', 'a b', 'x\ty', '#c', 'back\\040slash', 'ü')},
  nasty.filter((s) => s !== '' && !s.includes('/')),
);
const path = fc
  .tuple(fc.constantFrom('', '/sysroot', '/run/overlay'), fc.array(segment, {minLength: 1, maxLength: 4}))
  .map(([root, parts]) => `${root}/${parts.join('/')}`);
const source = fc.oneof(path, fc.constantFrom('tmpfs', 'overlay', 'LABEL=COS_PERSISTENT', 'UUID=1-2'), nasty);
const option = fc
  .oneof(
    fc.constantFrom('ro', 'rw', 'bind', 'nosuid', 'nodev', 'size=20%', 'mode=0755', 'relatime'),
    fc
      .tuple(fc.constantFrom('lowerdir', 'upperdir', 'workdir', 'x-systemd.requires'), path)
      .map(([k, p]) => `${k}=${p}`),
    nasty,
  )
  .filter((o) => o !== '' && !o.includes(',')); // a path with a comma is refused long before (normalizePath)
const mount = fc.record({
  source: source.filter((s) => s.trim() !== ''),
  target: path,
  fstype: fc.constantFrom('overlay', 'none', 'tmpfs', 'auto', 'ext4'),
  options: fc.array(option, {maxLength: 6}),
});

describe('fuzz: fstab rendering', () => {
  it('every line reads back as the mount it was rendered from', async () => {
    await fuzz('fstab round trip', mount, (m) => {
      const line = renderFstabLine(m);
      assert.doesNotMatch(line, /[\n\r]/);
      assert.deepEqual(parseFstabLine(line), {
        source: stripSysroot(m.source),
        target: stripSysroot(m.target),
        fstype: m.fstype,
        options: orderOptions(m.options),
      });
    });
  });

  it('a whole file has one line per target, each of them read back', async () => {
    await fuzz('fstab file', fc.array(mount, {maxLength: 8}), (mounts) => {
      const lines = renderFstab(mounts).split('\n');
      assert.equal(lines.at(-1), '');
      const parsed = lines.slice(1, -1).map(parseFstabLine);
      assert.ok(parsed.every((m) => m !== undefined));
      const targets = parsed.map((m) => m?.target.replace(/(.)\/+$/, '$1'));
      assert.equal(new Set(targets).size, targets.length);
    });
  });
});
