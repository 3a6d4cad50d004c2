import {describe, expect, it} from 'vitest';
import type {BootStateName} from '../boot/state.ts';
import {builtinBase} from './base.ts';
import type {PolicyBlock} from './policy.ts';
import {policyFromData} from './read-policy.ts';
import {checkOrder, decideMemoryPolicy} from './resolve.ts';

const bases = {nohang: builtinBase('nohang'), desktop: builtinBase('desktop')};
const MIB512 = 512 * 1024;

function block(data: unknown, file = '/oem/90_memory.yaml'): PolicyBlock {
  const b = policyFromData(data, file, MIB512).block;
  if (!b) throw new Error('no block');
  return b;
}

const decide = (o: {cmdline?: string; blocks?: PolicyBlock[]; state?: BootStateName}) =>
  decideMemoryPolicy({blocks: [], state: 'active', bases, memTotalKiB: MIB512, ...o});

const value = (p: ReturnType<typeof decide>, key: string) => p.settings.find((s) => s.key === key);

describe('decideMemoryPolicy: which preset', () => {
  const cases: Array<{name: string; state: BootStateName; want: string; source: RegExp}> = [
    {
      name: 'an active boot gets server',
      state: 'active',
      want: 'server',
      source: /default for active boots/,
    },
    {name: 'a passive boot gets server', state: 'passive', want: 'server', source: /passive/},
    {name: 'a recovery boot gets recovery', state: 'recovery', want: 'recovery', source: /recovery boot/},
    {name: 'an autoreset boot gets recovery', state: 'autoreset', want: 'recovery', source: /autoreset/},
    {name: 'a live boot gets recovery', state: 'live', want: 'recovery', source: /live/},
    {name: 'an unknown boot gets server', state: 'unknown', want: 'server', source: /unknown/},
  ];
  it.each(cases)('$name', ({state, want, source}) => {
    const p = decide({state});
    expect(p.preset).toBe(want);
    expect(p.presetSource).toMatch(source);
    expect(p.errors).toEqual([]);
  });

  it('the cmdline wins over the cloud-config, whose block is then not applied', () => {
    const p = decide({cmdline: 'desktop', blocks: [block({preset: 'recovery', mem: {soft: '12%'}})]});
    expect(p).toMatchObject({preset: 'desktop', presetSource: 'rd.immucore.memory=desktop', overrides: []});
    expect(value(p, 'soft_threshold_min_mem')?.source).toBe('preset desktop');
    expect(p.warnings[0]?.message).toMatch(
      /sets rd\.immucore\.memory=desktop, so the memory_policy in \/oem\/90_memory\.yaml is not applied/,
    );
    expect(p.warnings[0]?.hint).toMatch(/Remove rd\.immucore\.memory/);
  });

  it('a cloud-config preset wins over the boot state default', () => {
    expect(decide({state: 'recovery', blocks: [block({preset: 'server'})]})).toMatchObject({
      preset: 'server',
      presetSource: '/oem/90_memory.yaml',
    });
  });

  it('a later source wins per setting; rules add up', () => {
    const p = decide({
      blocks: [
        block({preset: 'desktop', mem: {soft: '8%', hard: '4%'}, protect: ['^a$']}, '/system/oem/10.yaml'),
        block({mem: {soft: '6%'}, prefer: ['^b$']}, '/oem/90.yaml'),
      ],
    });
    expect(p.preset).toBe('desktop');
    expect(p.overrides.map((s) => [s.key, s.value, s.source])).toEqual([
      ['soft_threshold_min_mem', '6 %', '/oem/90.yaml'],
      ['hard_threshold_min_mem', '4 %', '/system/oem/10.yaml'],
    ]);
    expect(p.rules.filter((r) => r.kind === 'badness').map((r) => r.source)).toEqual([
      '/system/oem/10.yaml',
      '/oem/90.yaml',
    ]);
  });

  it('an invalid cmdline preset is an error and the cloud-config applies', () => {
    const p = decide({cmdline: 'turbo', blocks: [block({preset: 'recovery', psi: {hard: 70}})]});
    expect(p).toMatchObject({preset: 'recovery', fellBack: false});
    expect(value(p, 'hard_threshold_max_psi')).toMatchObject({value: '70'});
    expect(p.errors).toEqual([
      expect.objectContaining({
        input: 'rd.immucore.memory=turbo',
        hint: expect.stringMatching(/rd\.immucore\.memory=server/),
      }),
    ]);
  });

  it('off renders nothing and ignores overrides with a warning', () => {
    const p = decide({blocks: [block({preset: 'off', mem: {soft: '8%'}})]});
    expect(p).toMatchObject({preset: 'off', settings: [], rules: []});
    expect(p.base).toBeUndefined();
    expect(p.warnings[0]?.message).toMatch(/is off .* not applied/);
  });
});

describe('decideMemoryPolicy: overrides and the fallback', () => {
  it('an override replaces the preset value and keeps its source', () => {
    const p = decide({blocks: [block({psi: {metric: 'some_avg60', duration: 5}})]});
    expect(value(p, 'psi_metrics')).toEqual({
      key: 'psi_metrics',
      value: 'some_avg60',
      source: '/oem/90_memory.yaml',
    });
    expect(value(p, 'soft_threshold_max_psi')).toMatchObject({value: '40', source: 'preset server'});
    expect(p.overrides).toHaveLength(2);
  });

  it('one invalid override drops every override and rule: the preset alone applies', () => {
    const p = decide({
      blocks: [block({preset: 'recovery', mem: {soft: '12%', hard: '90%'}, prefer: ['^x$']})],
    });
    expect(p).toMatchObject({preset: 'recovery', fellBack: true, overrides: []});
    expect(value(p, 'soft_threshold_min_mem')).toMatchObject({value: '10 %', source: 'preset recovery'});
    expect(p.rules.every((r) => r.source === 'preset recovery')).toBe(true);
    expect(p.errors[0]?.message).toMatch(/mem\.hard \(hard_threshold_min_mem\) "90%" is out of range/);
  });

  it('crossed thresholds are an error naming both values', () => {
    const p = decide({blocks: [block({mem: {hard: '8%'}})]});
    expect(p.fellBack).toBe(true);
    expect(p.errors[0]?.message).toMatch(
      /memory_policy\.mem\.hard \(hard_threshold_min_mem\) "8 %" is above memory_policy\.mem\.soft \(soft_threshold_min_mem\) "5 %" from preset server/,
    );
    expect(p.errors[0]?.hint).toMatch(/memory_policy\.mem\.hard at most memory_policy\.mem\.soft/);
  });

  it('a key the nohang in the image does not know is left out with a warning', () => {
    const old = {
      ...bases.nohang,
      source: 'old',
      entries: bases.nohang.entries.filter(([k]) => k !== 'psi_metrics'),
    };
    const p = decideMemoryPolicy({blocks: [], state: 'active', bases: {nohang: old, desktop: old}});
    expect(value(p, 'psi_metrics')).toBeUndefined();
    expect(p.warnings[0]?.message).toMatch(/no setting psi_metrics \(old\)/);
  });

  it('desktop takes the desktop base and its @ rules', () => {
    const p = decide({cmdline: 'desktop'});
    expect(p.base?.source).toBe('built-in nohang 0.2.0 desktop defaults');
    expect(p.rules.filter((r) => r.kind === 'raw')).toHaveLength(18);
  });
});

describe('checkOrder', () => {
  const s = (key: string, v: string) => ({key, value: v, source: 'x.yaml'});
  it('compares M with % through MemTotal', () => {
    expect(checkOrder('server', [s('hard_threshold_min_mem', '20 M')], MIB512)).toEqual([]);
    expect(checkOrder('server', [s('hard_threshold_min_mem', '40 M')], MIB512)).toHaveLength(1);
  });
  it('leaves swap shares and sizes alone: SwapTotal is not known', () => {
    expect(checkOrder('server', [s('hard_threshold_min_swap', '4096 M')], MIB512)).toEqual([]);
  });
  it('checks maximums the other way round', () => {
    expect(checkOrder('server', [s('soft_threshold_max_psi', '95')])).toHaveLength(1);
  });
});
