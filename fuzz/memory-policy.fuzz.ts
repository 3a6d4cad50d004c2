// The memory policy (SPEC §10): a cloud-config's memory_policy block from any text, resolved with
// any rd.immucore.memory value and rendered: no throw, no hang, each problem points into the file
// or names the cmdline value, and the rendered nohang.conf always has every key exactly once.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import {describe, it} from 'vitest';
import {builtinBase} from '../src/memory/base.ts';
import {NOHANG_KEYS, parseNohangConf} from '../src/memory/nohang-keys.ts';
import {parsePolicyFile} from '../src/memory/read-policy.ts';
import {renderNohangConf} from '../src/memory/render.ts';
import {decideMemoryPolicy} from '../src/memory/resolve.ts';
import {fuzz, nasty} from './lib.ts';
import {expectKeysInText, expectPointsInto, yamlText} from './yaml-input.ts';

const FILE = '/oem/90_memory.yaml';
const VOCABULARY = [
  ...['memory_policy', 'preset', 'mem', 'swap', 'zram', 'psi', 'protect', 'prefer', 'soft_actions'],
  ...['warning', 'soft', 'hard', 'enabled', 'metric', 'name', 'cmdline', 'cgroup', 'cgroup_v1'],
  ...['realpath', 'adj', 'command', 'stages', '<<'],
];
const WRAPS = [
  (data: unknown) => ({memory_policy: data}),
  (data: unknown) => ({memory_policy: {preset: 'server', mem: data, protect: [data]}}),
  (data: unknown) => data,
];
const bases = {nohang: builtinBase('nohang'), desktop: builtinBase('desktop')};
const inputs = fc.record({
  text: yamlText(VOCABULARY, WRAPS),
  cmdline: fc.option(fc.oneof(fc.constantFrom('server', 'desktop', 'recovery', 'off', 'servr', ''), nasty), {
    nil: undefined,
  }),
  state: fc.constantFrom('active', 'passive', 'recovery', 'autoreset', 'live', 'unknown'),
  memTotalKiB: fc.option(fc.integer({min: 1, max: 2 ** 40}), {nil: undefined}),
});

describe('fuzz: memory policy', () => {
  it('reads, resolves and renders any block; problems point into the input', async () => {
    await fuzz('memory policy', inputs, ({text, cmdline, state, memTotalKiB}) => {
      const parsed = parsePolicyFile(text, FILE, memTotalKiB);
      if (parsed.syntaxError) expectPointsInto(parsed.syntaxError, FILE, text);
      const blocks = parsed.block ? [parsed.block] : [];
      for (const p of [...(parsed.block?.errors ?? []), ...(parsed.block?.warnings ?? [])]) {
        expectPointsInto(p, FILE, text);
        expectKeysInText(p, text);
      }
      const policy = decideMemoryPolicy({
        blocks,
        state,
        bases,
        ...(cmdline === undefined ? {} : {cmdline}),
        ...(memTotalKiB === undefined ? {} : {memTotalKiB}),
      });
      for (const p of [...policy.errors, ...policy.warnings]) {
        const named = p.input.includes(FILE) || (cmdline !== undefined && p.input.includes(cmdline));
        assert.ok(named || keysInText(p.input, text), `${p.input}: ${p.message}`);
      }
      const conf = renderNohangConf(policy);
      if (conf === undefined) return;
      const read = parseNohangConf(conf);
      assert.deepEqual(read.duplicates, []);
      assert.deepEqual(
        read.entries.map(([k]) => k),
        NOHANG_KEYS.map((k) => k.key),
      );
    });
  });
});

function keysInText(input: string, text: string): boolean {
  const path = input.split(': ')[0] ?? '';
  return path
    .split(/\.|\[\d+\]/)
    .filter((k) => /^[\w<-]+$/.test(k))
    .every((k) => text.includes(k));
}
