import {describe, expect, it} from 'vitest';
import type {BootStateName} from '../boot/state.ts';
import {builtinBase, decideBase} from './base.ts';
import {NOHANG_KEYS, parseNohangConf} from './nohang-keys.ts';
import type {PolicyBlock} from './policy.ts';
import {policyFromData} from './read-policy.ts';
import {renderNohangConf} from './render.ts';
import {decideMemoryPolicy} from './resolve.ts';

const bases = {nohang: builtinBase('nohang'), desktop: builtinBase('desktop')};

function render(o: {cmdline?: string; state?: BootStateName; blocks?: PolicyBlock[]}, b = bases): string {
  const text = renderNohangConf(decideMemoryPolicy({blocks: [], state: 'active', bases: b, ...o}));
  if (text === undefined) throw new Error('nothing rendered');
  return text;
}

/** What nohang reads from a rendered file: every built-in key once, nothing repeated. */
function expectComplete(text: string): void {
  const conf = parseNohangConf(text);
  expect(conf.duplicates).toEqual([]);
  expect(conf.entries.map(([k]) => k)).toEqual(NOHANG_KEYS.map((k) => k.key));
}

describe('renderNohangConf', () => {
  const golden: Array<{name: string; o: {cmdline?: string; state?: BootStateName}}> = [
    {name: 'server', o: {state: 'active'}},
    {name: 'desktop', o: {cmdline: 'desktop'}},
    {name: 'recovery', o: {state: 'recovery'}},
  ];
  it.each(golden)('renders the $name preset as its golden file', async ({name, o}) => {
    const text = render(o);
    expectComplete(text);
    await expect(text).toMatchFileSnapshot(`./golden/${name}.conf`);
  });

  it('renders overrides and rules into the complete file (golden)', async () => {
    const block = policyFromData(
      {
        preset: 'server',
        mem: {soft: '8%', hard: '48M'},
        psi: {metric: 'some_avg10', hard: 80},
        protect: ['^k3s-server$', {cgroup: '/system\\.slice/k3s\\.service$'}],
        prefer: [{cmdline: '--type=renderer'}, {cmdline: '--type=gpu'}],
        soft_actions: [{cgroup: '/myapp\\.service$', command: 'systemctl restart $SERVICE'}],
      },
      '/oem/90_memory.yaml',
    ).block as PolicyBlock;
    const text = render({blocks: [block]});
    expectComplete(text);
    expect(text).toContain('soft_threshold_min_mem = 8 %\n');
    expect(text).toContain('hard_threshold_min_mem = 48 M\n');
    expect(text).toMatch(/^# {3}soft_threshold_min_mem = 8 % +\(\/oem\/90_memory\.yaml\)$/m);
    await expect(text).toMatchFileSnapshot('./golden/server-overrides.conf');
  });

  it('renders nothing for off', () => {
    expect(
      renderNohangConf(decideMemoryPolicy({cmdline: 'off', blocks: [], state: 'active', bases})),
    ).toBeUndefined();
  });

  it('says in the file when invalid overrides fell back to the preset', () => {
    const block = policyFromData({mem: {soft: '99%'}}, 'x.yaml').block as PolicyBlock;
    expect(render({blocks: [block]})).toMatch(/^# The memory_policy overrides were invalid/m);
  });
});

describe('decideBase', () => {
  it("starts from the image's packaged file: its keys, its order, its values and its @ lines", () => {
    const packaged = `## comment\nfuture_key = 7\n${NOHANG_KEYS.map((k) => `${k.key} = ${k.value}`).join('\n')}\n@check_kmsg\n`;
    const {base, problems} = decideBase('nohang', packaged, '/usr/share/nohang/nohang.conf');
    expect(problems).toEqual([]);
    expect(base.source).toBe('/usr/share/nohang/nohang.conf in the image');
    const text = render({state: 'active'}, {nohang: base, desktop: base});
    expect(text).toMatch(/^future_key = 7$/m);
    expect(text).toMatch(/^@check_kmsg$/m);
    expect(text).toContain('and /usr/share/nohang/nohang.conf in the image; do not edit');
  });

  const refused: Array<[string, string, RegExp]> = [
    ['a repeated key', 'min_badness = 1\nmin_badness = 2\n', /repeats the key min_badness/],
    ['a value nohang refuses', 'psi_metrics = fast\n', /sets psi_metrics = fast, which is not a valid value/],
    ['no keys at all', '# empty\n', /has no keys/],
  ];
  it.each(refused)('refuses a packaged file with %s, for the built-in list', (_n, text, why) => {
    const {base, problems} = decideBase('desktop', text, '/usr/share/nohang/nohang-desktop.conf');
    expect(base.source).toBe('built-in nohang 0.2.0 desktop defaults');
    expect(problems[0]?.message).toMatch(why);
    expect(problems[0]?.hint).toMatch(/nohang --check -c/);
  });

  it('uses the built-in list when the image has no packaged file', () => {
    expect(decideBase('nohang', undefined, 'x')).toEqual({base: builtinBase('nohang'), problems: []});
  });
});
