import {describe, expect, it} from 'vitest';
import {isCloudInit, parseCloudConfig} from './parse-config.ts';

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

  it("turns a #cloud-config file's top-level hostname into the first initramfs step, as yip", () => {
    const src = parseCloudConfig(
      '#cloud-config\nhostname: "node-{{ trunc 4 .MachineID }}"\nusers: [{name: kairos}]\nstages:\n  initramfs:\n    - name: own\n      commands: [x]\n',
      FILE,
    );
    expect(src.errors).toEqual([]);
    const steps = src.stages.get('initramfs') ?? [];
    expect(steps.map((s) => [s.step.name, s.step.hostname, s.origin])).toEqual([
      ['hostname (cloud-init)', 'node-{{ trunc 4 .MachineID }}', {file: FILE, path: 'hostname', line: 2}],
      ['own', undefined, {file: FILE, path: 'stages.initramfs[0]', line: 6}],
    ]);
    expect(steps[1]?.step.commands).toEqual(['x']);
  });

  it("reads a top-level hostname only under the #cloud-config header, and checks it like a step's", () => {
    // yip's yip-format loader ignores a top-level hostname.
    expect(parseCloudConfig('hostname: node-1\n', FILE).stages.size).toBe(0);
    // An empty one is no step (yip's hostname plugin does nothing with it).
    expect(parseCloudConfig('#cloud-config\nhostname: ""\n', FILE).stages.size).toBe(0);
    expect(parseCloudConfig('#cloud-config\nhostname:\n', FILE).stages.size).toBe(0);
    const bad = parseCloudConfig('#cloud-config\nhostname: "not a name"\n', FILE);
    expect(bad.errors.map((e) => e.message)).toEqual([
      `${FILE}:2:11: hostname "not a name" is not a host name`,
    ]);
    // Kept but not run, as any step with an error.
    expect(bad.stages.get('initramfs')?.[0]?.step.errors).toHaveLength(1);
  });

  it('finds the #cloud-config header as yip does: after blank lines and comments, not after content', () => {
    expect(isCloudInit('#cloud-config\n')).toBe(true);
    expect(isCloudInit('#cloud-config  \r\nx: 1\n')).toBe(true);
    expect(isCloudInit('\n# a comment\n#cloud-config\n')).toBe(true);
    expect(isCloudInit('x: 1\n#cloud-config\n')).toBe(false);
    expect(isCloudInit('#cloud-config-archive\n')).toBe(false);
    expect(isCloudInit('# cloud-config\n')).toBe(false);
    expect(isCloudInit('')).toBe(false);
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
