import {describe, expect, it} from 'vitest';
import {NOHANG_KEYS} from './nohang-keys.ts';
import {normalizeSetting, parseThreshold, thresholdKiB} from './values.ts';

const MIB512 = 512 * 1024;

describe('normalizeSetting', () => {
  const valid: Array<{name: string; key: string; raw: unknown; want: string; memTotalKiB?: number}> = [
    {
      name: "a share of RAM gets nohang's space before %",
      key: 'soft_threshold_min_mem',
      raw: '5%',
      want: '5 %',
    },
    {name: 'a share written with a space', key: 'soft_threshold_min_mem', raw: '5 %', want: '5 %'},
    {name: 'a size in M', key: 'hard_threshold_min_mem', raw: '64M', want: '64 M', memTotalKiB: MIB512},
    {name: 'a size in MiB', key: 'hard_threshold_min_mem', raw: '64 MiB', want: '64 M'},
    {name: 'a size in G becomes M', key: 'warning_threshold_min_swap', raw: '1G', want: '1024 M'},
    {name: 'a fraction of a percent', key: 'hard_threshold_min_mem', raw: '0.5%', want: '0.5 %'},
    {name: 'the top of the soft range', key: 'soft_threshold_min_mem', raw: '50%', want: '50 %'},
    {name: 'the bottom of the zram range', key: 'soft_threshold_max_zram', raw: '10%', want: '10 %'},
    {name: 'a PSI number from YAML', key: 'hard_threshold_max_psi', raw: 90, want: '90'},
    {name: 'a PSI number as a string', key: 'soft_threshold_max_psi', raw: '12.5', want: '12.5'},
    {name: 'a duration in seconds', key: 'psi_excess_duration', raw: '30s', want: '30'},
    {name: 'a zero duration', key: 'psi_excess_duration', raw: 0, want: '0'},
    {name: 'a YAML boolean', key: 'psi_checking_enabled', raw: true, want: 'True'},
    {name: 'a word for false', key: 'zram_checking_enabled', raw: 'no', want: 'False'},
    {name: 'a PSI metric', key: 'psi_metrics', raw: 'some_avg60', want: 'some_avg60'},
  ];
  it.each(valid)('$name', ({key, raw, want, memTotalKiB}) => {
    expect(normalizeSetting(key, raw, memTotalKiB)).toEqual({ok: true, value: want});
  });

  const invalid: Array<{
    name: string;
    key: string;
    raw: unknown;
    reason: RegExp;
    hint: RegExp;
    memTotalKiB?: number;
  }> = [
    {
      name: 'a soft MemAvailable threshold above half of RAM',
      key: 'soft_threshold_min_mem',
      raw: '70%',
      reason: /^"70%" is out of range: nohang 0\.2\.0 accepts 0 % to 50 % of RAM/,
      hint: /from 0% to 50%, e\.g\. 5%/,
    },
    {
      name: 'a size in M that is more than half of RAM',
      key: 'hard_threshold_min_mem',
      raw: '300M',
      memTotalKiB: MIB512,
      reason: /^"300M" is 58\.59 % of RAM \(512 MiB\), out of range: nohang 0\.2\.0 accepts 0 % to 50 %/,
      hint: /e\.g\. 5%/,
    },
    {
      name: 'a threshold without a unit',
      key: 'soft_threshold_min_mem',
      raw: 5,
      reason: /^"5" has no unit \(% or M\)/,
      hint: /share of RAM/,
    },
    {
      name: 'a threshold that is a word',
      key: 'hard_threshold_min_mem',
      raw: 'lots',
      reason: /"lots" is not a threshold/,
      hint: /64M/,
    },
    {
      name: 'a zram threshold below 10 %',
      key: 'hard_threshold_max_zram',
      raw: '5%',
      reason: /"5%" is out of range: nohang 0\.2\.0 accepts 10 % to 90 % of RAM/,
      hint: /from 10% to 90%/,
    },
    {
      name: 'a swap share above 100 %',
      key: 'soft_threshold_min_swap',
      raw: '120%',
      reason: /0 % to 100 % of swap/,
      hint: /256M/,
    },
    {
      name: 'a soft PSI threshold below 5',
      key: 'soft_threshold_max_psi',
      raw: 2,
      reason: /^"2" is out of range: nohang 0\.2\.0 accepts 5 to 100$/,
      hint: /from 5 to 100/,
    },
    {
      name: 'a PSI threshold above 100',
      key: 'hard_threshold_max_psi',
      raw: 150,
      reason: /accepts 5 to 100/,
      hint: /e\.g\. 40/,
    },
    {
      name: 'a warning PSI threshold of 0',
      key: 'warning_threshold_max_psi',
      raw: 0,
      reason: /accepts 1 to 100/,
      hint: /from 1 to 100/,
    },
    {
      name: 'a negative duration',
      key: 'psi_excess_duration',
      raw: -1,
      reason: /"-1" is out of range: nohang 0\.2\.0 accepts numbers from 0/,
      hint: /from 0/,
    },
    {
      name: 'a duration in words',
      key: 'psi_excess_duration',
      raw: 'soon',
      reason: /"soon" is not a number/,
      hint: /e\.g\. 10/,
    },
    {
      name: 'an unknown PSI metric',
      key: 'psi_metrics',
      raw: 'full_avg5',
      reason: /one of some_avg10, .*full_avg300/,
      hint: /full_avg10/,
    },
    {
      name: 'a boolean in words nohang does not know',
      key: 'psi_checking_enabled',
      raw: 'maybe',
      reason: /not a boolean/,
      hint: /true or false/,
    },
    {
      name: 'a key nohang does not have',
      key: 'psi_enabled',
      raw: 'True',
      reason: /not a nohang 0\.2\.0 setting/,
      hint: /Remove/,
    },
  ];
  it.each(invalid)('$name', ({key, raw, reason, hint, memTotalKiB}) => {
    const got = normalizeSetting(key, raw, memTotalKiB);
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.reason).toMatch(reason);
    expect(got.hint).toMatch(hint);
  });

  it('accepts every default of the built-in nohang 0.2.0 key list', () => {
    for (const {key, value} of NOHANG_KEYS)
      expect(normalizeSetting(key, value), key).toMatchObject({ok: true});
  });
});

describe('parseThreshold and thresholdKiB', () => {
  it.each([
    ['5 %', MIB512, 26214.4],
    ['64 M', MIB512, 65536],
    ['0.5G', MIB512, 524288],
  ])('%s of %i KiB is %f KiB', (value, total, want) => {
    expect(thresholdKiB(value, total)).toBeCloseTo(want);
  });

  it('refuses what is not a threshold', () => {
    expect(parseThreshold('5')).toBeUndefined();
    expect(parseThreshold('5 kB')).toBeUndefined();
    expect(thresholdKiB('x', MIB512)).toBeUndefined();
  });
});
