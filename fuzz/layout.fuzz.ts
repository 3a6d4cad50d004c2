// The layout files (SPEC §5), dotenv as the rootfs stage or a user writes them, merged with the
// cmdline into the mount plan and rendered as fstab: nothing throws, every problem names text that
// is in one of the inputs, every planned path is absolute and normalised, and a value written with
// quoting comes back as written.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import {describe, it} from 'vitest';
import {parseCmdline} from '../src/boot/cmdline.ts';
import {parseDotenv} from '../src/boot/dotenv.ts';
import {parseFstabLine, renderFstab} from '../src/boot/fstab.ts';
import {planMounts} from '../src/boot/mount-plan.ts';
import {
  overlayBackingSpec,
  overlayMountSpec,
  persistentMountSpec,
  volumeMountSpec,
} from '../src/boot/mount-specs.ts';
import {normalizePath} from '../src/boot/names.ts';
import {cmdlineArb} from './cmdline-input.ts';
import {fuzz, nasty} from './lib.ts';

const KEYS = [
  ...['RW_PATHS', 'PERSISTENT_STATE_PATHS', 'CUSTOM_BIND_MOUNTS', 'CUSTOM_EPHEMERAL_MOUNTS', 'VOLUMES'],
  ...['OVERLAY', 'PERSISTENT_STATE_TARGET', 'PERSISTENT_STATE_BIND', 'MERGE', 'rw_paths', '1KEY', 'A-B', ''],
];
const WORDS = [
  ...['/etc', '/etc/', '//etc//ssh', '/etc/./ssh', '/var/lib', '/var', '/', 'etc', '/a/../b', '/a,b'],
  ...['/a:b', '/usr/local', '/usr/local/.state', '/oem', '/oem/', 'LABEL=COS_PERSISTENT:/usr/local'],
  ...['LABEL=COS_OEM:/oem', 'LABEL=X:/oem/', 'UUID=abc:/data', '/dev/vdb:/var/lib', 'LABEL=:/x', 'LABEL=X'],
  ...['tmpfs:20%', 'tmpfs:lots', 'LABEL=OVL', 'true', 'no', 'maybe', '$HOME', '\\"', '#', "'"],
];
const word = fc.oneof({weight: 4, arbitrary: fc.constantFrom(...WORDS)}, nasty);
const value = fc
  .array(fc.tuple(word, fc.constantFrom(' ', '  ', '\t')), {maxLength: 6})
  .map((ws) => ws.map(([w, s]) => w + s).join(''));
const quoted = fc
  .tuple(fc.constantFrom('', '"', "'"), value, fc.boolean())
  .map(([q, v, close]) => (q === '' ? v : `${q}${v}${close ? q : ''}`));
const line = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', 'export ', ' ', 'export\t'),
        fc.oneof({weight: 4, arbitrary: fc.constantFrom(...KEYS)}, nasty),
        fc.constantFrom('=', ' = ', '+=', '=', '=='),
        quoted,
        fc.constantFrom('', ' # comment', '#x', ' \\'),
      )
      .map((parts) => parts.join('')),
  },
  fc.constantFrom('', '# comment', '   ', 'export', '=x'),
  nasty,
);
const file = fc
  .tuple(fc.array(line, {maxLength: 10}), fc.constantFrom('\n', '\r\n'))
  .map(([ls, nl]) => ls.join(nl));
const inputs = fc.record({
  cmdline: cmdlineArb,
  layout: fc.option(file, {nil: undefined}),
  extra: fc.option(file, {nil: undefined}),
});

describe('fuzz: layout files', () => {
  it('plans any layout; every problem names text of the cmdline or a layout file', async () => {
    await fuzz('layout', inputs, ({cmdline, layout, extra}) => {
      const config = parseCmdline(cmdline);
      const plan = planMounts(config, {
        ...(layout === undefined ? {} : {layout}),
        ...(extra === undefined ? {} : {extra}),
      });
      const texts = [cmdline, layout ?? '', extra ?? ''];
      for (const p of plan.problems) {
        assert.ok(
          texts.some((t) => t.includes(p.input)),
          `"${p.input}" is in no input: ${p.message}`,
        );
        assert.notEqual(p.input, '');
        assert.notEqual(p.hint.trim(), '');
      }
      const paths = [
        ...plan.layout.rwPaths,
        ...plan.layout.persistentPaths,
        plan.layout.persistentTarget,
        ...plan.volumes.map((v) => v.path),
      ];
      for (const p of paths) assert.deepEqual(normalizePath(p), {ok: true, path: p});
      assert.equal(new Set(plan.layout.rwPaths).size, plan.layout.rwPaths.length);
      // What write-fstab would write for this plan reads back as the same mounts.
      const specs = [
        overlayBackingSpec(plan.overlay),
        ...plan.volumes.map(volumeMountSpec),
        ...plan.rwOverlays.map(overlayMountSpec),
        ...plan.persistent.map(persistentMountSpec),
      ];
      const text = renderFstab(specs);
      const lines = text.split('\n').filter((l) => l !== '');
      const parsed = lines.map(parseFstabLine).filter((m) => m !== undefined);
      assert.equal(parsed.length, lines.length - 1);
    });
  });

  it('reads back every value written with double quotes', async () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
    const val = fc.string({unit: fc.constantFrom(...'ab /#=$`\'"\\\t'), maxLength: 24});
    await fuzz('dotenv quoting', fc.tuple(key, val), ([k, v]) => {
      const escaped = v.replace(/[\\"$`]/g, (c) => `\\${c}`);
      const got = parseDotenv(`export ${k}="${escaped}" # set by the fuzzer\n`, 'f.env');
      assert.deepEqual(got.errors, []);
      assert.equal(got.value[k], v);
    });
  });
});
