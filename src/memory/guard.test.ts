import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {builtinBase} from './base.ts';
import {decideBreach, decideGuardLimits, type GuardLimits, MemoryGuard} from './guard.ts';
import {parseMeminfo, parsePsiMetric} from './meminfo.ts';
import {decideMemoryPolicy} from './resolve.ts';

const MIB512 = 512 * 1024;
const bases = {nohang: builtinBase('nohang'), desktop: builtinBase('desktop')};
const policy = (cmdline: string) => decideMemoryPolicy({cmdline, blocks: [], state: 'active', bases});
const meminfo = (availMiB: number) =>
  `MemTotal:         524288 kB\nMemFree:          100000 kB\nMemAvailable:   ${availMiB * 1024} kB\n`;

describe('parseMeminfo and parsePsiMetric', () => {
  it('reads MemTotal and MemAvailable', () => {
    expect(parseMeminfo(meminfo(400))).toEqual({memTotalKiB: MIB512, memAvailableKiB: 409600});
    expect(parseMeminfo('MemTotal: 10 kB\n')).toEqual({memTotalKiB: 10});
  });
  it('reads a PSI metric', () => {
    const psi =
      'some avg10=1.50 avg60=0.20 avg300=0.00 total=1\nfull avg10=0.75 avg60=0.10 avg300=0.00 total=1\n';
    expect(parsePsiMetric(psi, 'full_avg10')).toBe(0.75);
    expect(parsePsiMetric(psi, 'some_avg60')).toBe(0.2);
    expect(parsePsiMetric('some avg10=1.00\n', 'full_avg10')).toBeUndefined();
  });
});

describe('decideGuardLimits', () => {
  it.each([
    ['server', 10.24 * 1024, '2 %', 90, 30],
    ['recovery', 25.6 * 1024, '5 %', 50, 10],
  ])('%s on 512 MiB stops a step at its hard thresholds', (preset, kib, hard, psiMax, duration) => {
    expect(decideGuardLimits(policy(preset), MIB512)).toEqual({
      memAvailableKiB: kib,
      memSetting: `hard_threshold_min_mem = ${hard} of 512 MiB`,
      psi: {metric: 'full_avg10', max: psiMax, durationSec: duration},
    });
  });
  it('is off with the policy', () => {
    expect(decideGuardLimits(policy('off'), MIB512)).toBeUndefined();
  });
});

describe('decideBreach', () => {
  const limits: GuardLimits = {
    memAvailableKiB: 25.6 * 1024,
    memSetting: 'hard_threshold_min_mem = 5 % of 512 MiB',
    psi: {metric: 'full_avg10', max: 50, durationSec: 10},
  };
  it('breaches at or below the MemAvailable threshold, naming both numbers and the setting', () => {
    expect(decideBreach({memAvailableKiB: 20 * 1024}, limits, {}, 0).reason).toBe(
      'MemAvailable 20 MiB is at or below the hard threshold 25.6 MiB (hard_threshold_min_mem = 5 % of 512 MiB)',
    );
    expect(decideBreach({memAvailableKiB: 30 * 1024}, limits, {}, 0).reason).toBeUndefined();
  });
  it('breaches on PSI only after it stayed above the threshold for the duration', () => {
    let state = decideBreach({psi: 60}, limits, {}, 1000).state;
    expect(state).toEqual({psiAboveSinceMs: 1000});
    expect(decideBreach({psi: 60}, limits, state, 10_999).reason).toBeUndefined();
    const late = decideBreach({psi: 60.5}, limits, state, 11_000);
    expect(late.reason).toBe(
      'memory pressure full_avg10 60.5 has been above the hard threshold 50 (hard_threshold_max_psi) for 10 s',
    );
    state = decideBreach({psi: 10}, limits, state, 5000).state;
    expect(state).toEqual({});
  });
});

describe('MemoryGuard', () => {
  /** Wait for `ok`, polling: timers run late on a loaded machine, so no fixed sleeps. */
  async function until(ok: () => boolean): Promise<void> {
    const end = Date.now() + 5000;
    while (!ok()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('samples /proc/meminfo through Sys every period until stopped', async () => {
    const sys = new FakeSys().with({'/proc/meminfo': meminfo(400)});
    const reasons: string[] = [];
    const limits = decideGuardLimits(policy('recovery'), MIB512) as GuardLimits;
    const guard = new MemoryGuard({sys, limits, periodMs: 10, onBreach: (r) => reasons.push(r)});
    guard.start();
    await until(() => guard.samples >= 3);
    expect(reasons).toEqual([]);
    sys.files.set('/proc/meminfo', {text: meminfo(20)});
    await until(() => reasons.length > 0);
    await guard.stop();
    const seen = reasons.length;
    const samples = guard.samples;
    expect(reasons[0]).toMatch(/^MemAvailable 20 MiB is at or below the hard threshold 25\.6 MiB/);
    await new Promise((r) => setTimeout(r, 30));
    expect(reasons).toHaveLength(seen);
    expect(guard.samples).toBe(samples);
  });
});
