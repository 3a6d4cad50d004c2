// Cloud-config text for the fuzzers: documents built from the keys our readers look for and from
// arbitrary ones, with values of every YAML type, written in block or flow style, with anchors,
// aliases and merge keys, and then damaged by a random edit. Also the check that a problem found in
// such a file points into it.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import {stringify} from 'yaml';
import type {Problem} from '../src/boot/problem.ts';
import {nasty} from './lib.ts';

const scalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 420, 0.5, 1e21, '0644', '644', 'yes', 'no', '~', '', '5%', '64M'),
  fc.constantFrom('/etc/motd', 'rel/path', 'node-1', '-bad-', '^sshd$', '(?<x>a)', '(?P<x>a)', '[', 'a///b'),
  fc.constantFrom('server', 'desktop', 'off', 'recovery', 'servr', 'echo hi', '30s', '2m', 'vm.swappiness'),
  fc.integer(),
  nasty,
);

/** A document with keys from `vocabulary` (and others), `depth` levels deep. */
export function yamlData(vocabulary: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof({weight: 6, arbitrary: fc.constantFrom(...vocabulary)}, nasty);
  const {node} = fc.letrec((tie) => ({
    node: fc.oneof(
      {depthSize: 'small', withCrossShrink: true},
      {weight: 3, arbitrary: scalar},
      {weight: 2, arbitrary: fc.array(tie('node'), {maxLength: 4})},
      {
        weight: 3,
        arbitrary: fc
          .array(fc.tuple(key, tie('node')), {maxLength: 5})
          .map((pairs) => Object.fromEntries(pairs)),
      },
    ),
  }));
  return node;
}

const EXTRAS = [
  'base: &b {commands: [x], name: y}\nstages:\n  rootfs:\n    - <<: *b\n      name: z\n',
  'a: &a [1, 2]\nb: *a\nstages: {rootfs: *a}\n',
  'x: &x\n  <<: *x\n',
  'stages:\n  rootfs:\n    - &s {files: [{path: /a, content: b}]}\n    - *s\n    - <<: [*s, *s]\n',
  'memory_policy: &m {preset: server, protect: [*m]}\n',
  'memory_policy:\n  <<: &g {mem: {soft: 5%}}\n  swap: *g\n',
  '%YAML 1.1\n---\nstages: {}\n...\n---\nname: two\n',
  'stages: !!map {rootfs: !!str x}\n',
  'key: !custom [1]\n',
  '? [complex, key]\n: value\n',
  'name: "\\u0000\\x41"\n',
  `${'- '.repeat(200)}x\n`,
  `${'['.repeat(300)}${']'.repeat(300)}\n`,
  'a: &a [*a]\n',
  // A merge bomb: each mapping merges the one above ten times.
  [
    'a0: &a0 {commands: [x]}',
    ...Array.from(
      {length: 7},
      (_, i) => `a${i + 1}: &a${i + 1} {<<: [${Array(10).fill(`*a${i}`).join(', ')}]}`,
    ),
    'stages: {rootfs: [*a7]}\nmemory_policy: *a7\n',
  ].join('\n'),
];

/** YAML text: a document written out in some style, or a tricky snippet, maybe edited. */
export function yamlText(
  vocabulary: readonly string[],
  wraps: ReadonlyArray<(data: unknown) => unknown>,
): fc.Arbitrary<string> {
  const written = fc
    .tuple(yamlData(vocabulary), fc.constantFrom(...wraps), fc.boolean(), fc.constantFrom(0, 20, 80))
    .map(([data, wrap, flow, lineWidth]) =>
      stringify(wrap(data), {version: '1.1', collectionStyle: flow ? 'flow' : 'any', lineWidth}),
    );
  const edit = fc.tuple(fc.nat(), fc.nat(4), nasty).map(([at, del, ins]) => (text: string) => {
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + ins + text.slice(i + del);
  });
  return fc
    .tuple(fc.oneof({weight: 5, arbitrary: written}, fc.constantFrom(...EXTRAS)), fc.option(edit, {freq: 3}))
    .map(([text, e]) => (e ? e(text) : text));
}

/** The problem points into the file: the message starts with it, and a line:col lies inside it. */
export function expectPointsInto(p: Problem, file: string, text: string): void {
  assert.ok(p.message.startsWith(file), p.message);
  assert.notEqual(p.hint.trim(), '');
  const at = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:(\\d+):(\\d+)`).exec(p.message);
  if (!at) return;
  // Lines as editors and the yaml library's LineCounter count them: a lone \r ends none.
  const lines = text.split('\n');
  const line = Number(at[1]);
  assert.ok(line >= 1 && line <= lines.length, p.message);
  assert.ok(Number(at[2]) <= (lines[line - 1]?.length ?? 0) + 1, p.message);
}

/**
 * Each key the problem's input names (`stages.rootfs[0].files`: stages, rootfs, files) is in the
 * text. Only plain keys are looked for: a key written with escapes (`"\r"`) is not in it as such.
 */
export function expectKeysInText(p: Problem, text: string): void {
  if (/^\S+:\d+:\d+$/.test(p.input)) return; // a syntax error names its place
  const path = p.input.split(': ')[0] ?? '';
  const keys = path.split(/\.|\[\d+\]/);
  // A required key that is missing is named, of course, though the text lacks it.
  if (/ is missing$/.test(p.message)) keys.pop();
  for (const key of keys.filter((k) => /^[\w<-]+$/.test(k)))
    assert.ok(text.includes(key), `"${key}" of ${p.input} is not in the text`);
}
