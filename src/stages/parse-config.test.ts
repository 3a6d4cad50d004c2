import {describe, expect, it} from 'vitest';
import {parseCloudConfig} from './parse-config.ts';

const FILE = '/oem/90_custom.yaml';

describe('parseCloudConfig', () => {
  it('reads only the rootfs and initramfs stages, with .before and .after', () => {
    const src = parseCloudConfig(
      'name: x\ninstall: {device: auto}\nstages:\n  boot: [{commands: [a]}]\n  rootfs.before: [{name: b}]\n  initramfs.after: [{name: c}]\n  network: [{dns: {}}]\n',
      FILE,
    );
    expect([...src.stages.keys()]).toEqual(['rootfs.before', 'initramfs.after']);
    expect(src.name).toBe('x');
    expect(src.errors).toEqual([]);
    expect(src.warnings).toEqual([]);
  });

  it('keeps where each step came from', () => {
    const src = parseCloudConfig('stages:\n  rootfs:\n    - name: a\n    - name: b\n', FILE);
    expect(src.stages.get('rootfs')?.map((s) => s.origin)).toEqual([
      {file: FILE, path: 'stages.rootfs[0]', line: 3},
      {file: FILE, path: 'stages.rootfs[1]', line: 4},
    ]);
  });

  it('an empty file or a comment-only file has no steps and no problems', () => {
    for (const text of ['', '#cloud-config\n', '---\n']) {
      const src = parseCloudConfig(text, FILE);
      expect(src.stages.size).toBe(0);
      expect(src.errors).toEqual([]);
    }
  });

  const invalid: Array<{name: string; text: string; error: RegExp; hint: RegExp}> = [
    {
      name: 'a YAML syntax error names the line and column',
      text: 'stages:\n  rootfs:\n    - name: [a\n  x: 1\n',
      error: /^\/oem\/90_custom\.yaml:4:\d+: YAML syntax error: .*; skipping this file$/,
      hint: /line 4 of \/oem\/90_custom\.yaml/,
    },
    {
      name: 'a duplicate key is a syntax error',
      text: 'stages:\n  rootfs:\n    - name: a\n      name: b\n',
      error: /:4:7: YAML syntax error: Map keys must be unique/,
      hint: /line 4/,
    },
    {
      name: 'the file is a list',
      text: '- a\n- b\n',
      error: /:1:1: the file is a list, not a mapping/,
      hint: /mapping/,
    },
    {
      name: 'stages is a list',
      text: 'stages: [a]\n',
      error: /:1:9: stages is a list, not a mapping/,
      hint: /stages as a mapping/,
    },
    {
      name: 'a stage is a mapping',
      text: 'stages:\n  rootfs: {a: 1}\n',
      error: /:2:11: stages\.rootfs is a mapping, not a list of steps/,
      hint: /as a list/,
    },
  ];
  it.each(invalid)('$name', ({text, error, hint}) => {
    const src = parseCloudConfig(text, FILE);
    expect(src.stages.get('rootfs') ?? []).toEqual([]);
    expect(src.errors[0]?.message).toMatch(error);
    expect(src.errors[0]?.hint).toMatch(hint);
  });

  // Cases `npm run fuzz` found (fuzz/cloud-config.fuzz.ts): both crashed the parser with a stack overflow.
  it('reports a mapping that merges itself instead of recursing without end', () => {
    const src = parseCloudConfig('stages:\n  rootfs:\n    - &x\n      commands: [a]\n      <<: *x\n', FILE);
    expect(src.stages.get('rootfs')?.[0]?.step.commands).toEqual(['a']);
    expect(src.errors.map((e) => e.message)).toEqual([
      `${FILE}:5:7: stages.rootfs[0].<< merges a mapping into itself`,
    ]);
  });

  it('reads each merged mapping once: merges of merges (a "merge bomb") stay small', () => {
    const lines = ['a0: &a0 {commands: [x], name: n}'];
    for (let i = 1; i <= 7; i++)
      lines.push(
        `a${i}: &a${i} {<<: [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]}`,
      );
    lines.push('stages: {rootfs: [*a7, {<<: [{name: first}, {name: second}]}]}');
    const src = parseCloudConfig(lines.join('\n'), FILE);
    expect(src.errors).toEqual([]);
    const [bomb, merged] = src.stages.get('rootfs') ?? [];
    expect(bomb?.step).toMatchObject({commands: ['x'], name: 'n'});
    // Of two merged mappings with one key, the first wins, as YAML's merge rule says.
    expect(merged?.step.name).toBe('first');
  });

  // Found by `npm run fuzz`: a mapping used as a key threw from inside the yaml library.
  it('takes a mapping used as a key as an unknown key, without throwing', () => {
    const text = 'stages:\n  rootfs:\n    - {<<: null}: x\n      commands: [a]\n';
    const src = parseCloudConfig(text, FILE);
    expect(src.stages.get('rootfs')?.[0]?.step).toMatchObject({
      commands: ['a'],
      unsupported: ['(a mapping as a key)'],
    });
  });
});
