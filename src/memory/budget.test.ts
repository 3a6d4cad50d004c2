import {describe, expect, it} from 'vitest';
import {builtinBase} from './base.ts';
import {decideMemoryBudget, FLOOR_MIB, tmpfsSizeKiB} from './budget.ts';
import {decideMemoryPolicy} from './resolve.ts';

const MIB512 = 512 * 1024;
const bases = {nohang: builtinBase('nohang'), desktop: builtinBase('desktop')};
const policy = (cmdline: string) => decideMemoryPolicy({cmdline, blocks: [], state: 'active', bases});

describe('tmpfsSizeKiB', () => {
  it.each([
    ['25%', 131072],
    ['512M', 524288],
    ['1G', 1048576],
    ['800K', 800],
    ['1048576', 1024],
  ])('tmpfs:%s on 512 MiB is %i KiB', (size, want) => {
    expect(tmpfsSizeKiB(size, MIB512)).toBe(want);
  });
  it('is undefined for what is not a size', () => {
    expect(tmpfsSizeKiB('lots', MIB512)).toBeUndefined();
  });
});

describe('decideMemoryBudget', () => {
  it('on a 512 MiB machine with tmpfs:25%, each preset leaves room above the floor', () => {
    const want = {
      server: {soft: 25.6, hard: 10.24, headroom: 358.4},
      desktop: {soft: 25.6, hard: 10.24, headroom: 358.4},
      recovery: {soft: 51.2, hard: 25.6, headroom: 332.8},
    };
    for (const [preset, w] of Object.entries(want)) {
      const {budget, problems} = decideMemoryBudget(policy(preset), MIB512, {kind: 'tmpfs', size: '25%'});
      expect(problems, preset).toEqual([]);
      expect(budget, preset).toMatchObject({
        memTotalMiB: 512,
        overlayTmpfsMiB: 128,
        leftMiB: 384,
        headroomMiB: w.headroom,
      });
      const mib = Object.fromEntries(budget?.thresholds.map((t) => [t.key, t.mib]) ?? []);
      expect(mib, preset).toEqual({
        warning_threshold_min_mem: 102.4,
        soft_threshold_min_mem: w.soft,
        hard_threshold_min_mem: w.hard,
      });
    }
  });

  it('gives each threshold as a share of what the tmpfs leaves', () => {
    const {budget} = decideMemoryBudget(policy('recovery'), MIB512, {kind: 'tmpfs', size: '50%'});
    expect(budget?.thresholds.find((t) => t.key === 'soft_threshold_min_mem')?.percentOfLeft).toBe(20);
  });

  it('reports a policy that leaves less than the floor once the tmpfs is full', () => {
    const {budget, problems} = decideMemoryBudget(policy('recovery'), 256 * 1024, {
      kind: 'tmpfs',
      size: '70%',
    });
    expect(budget?.headroomMiB).toBe(51.2);
    expect(problems).toEqual([
      expect.objectContaining({
        level: 'warning',
        input: 'rd.immucore.overlay=tmpfs:70%',
        message: expect.stringMatching(
          /leaves 51\.2 MiB for processes, below the floor of 64 MiB: the overlay tmpfs \(tmpfs:70%\) may take 179\.2 MiB of 256 MiB, leaving 76\.8 MiB and nohang starts terminating at 25\.6 MiB \(soft_threshold_min_mem = 10 %\)/,
        ),
        hint: expect.stringMatching(/rd\.immucore\.overlay=tmpfs:10%/),
      }),
    ]);
  });

  it("names the layout file's OVERLAY line when the size came from there", () => {
    const line = 'OVERLAY="tmpfs:70%"';
    const {problems} = decideMemoryBudget(
      policy('recovery'),
      256 * 1024,
      {kind: 'tmpfs', size: '70%'},
      FLOOR_MIB,
      line,
    );
    expect(problems.map((p) => p.input)).toEqual([line]);
  });

  it('counts no RAM for an overlay on a device, and honours another floor', () => {
    const {budget, problems} = decideMemoryBudget(
      policy('server'),
      MIB512,
      {kind: 'device', device: 'LABEL=OVL'},
      600,
    );
    expect(budget).toMatchObject({overlay: 'LABEL=OVL', overlayTmpfsMiB: 0, leftMiB: 512, floorMiB: 600});
    expect(problems[0]?.message).toMatch(/below the floor of 600 MiB: leaving 512 MiB/);
  });

  it('has no budget for off', () => {
    expect(decideMemoryBudget(policy('off'), MIB512, undefined)).toEqual({problems: []});
  });
});
