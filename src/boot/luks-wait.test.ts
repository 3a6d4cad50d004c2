import {describe, expect, it} from 'vitest';
import {DEFAULT_KCRYPT, type LuksContainer} from './luks.ts';
import {decideLooked, settledWithoutHeaders, type VolumeLookup} from './luks-wait.ts';

const CONFIG = DEFAULT_KCRYPT;
const SAME_LABEL: LuksContainer = {
  device: '/dev/vda5',
  name: 'vda5',
  version: 2,
  label: 'COS_PERSISTENT',
  tokens: [],
};

describe('settledWithoutHeaders', () => {
  it.each<[string, VolumeLookup, boolean]>([
    ['ext4 read by immucore on a partition', {device: '/dev/vda5', bySuperblock: true}, true],
    ['two devices carry the label (the mount names both)', 'duplicate', true],
    ['a mapper (dm-N): maybe a container open already', {device: '/dev/dm-0', bySuperblock: true}, false],
    ['a mapper by its /dev/mapper name', {device: '/dev/mapper/vda5', bySuperblock: true}, false],
    [
      'only udev names it: maybe a raw LUKS device with that header label',
      {device: '/dev/vda5', bySuperblock: false},
      false,
    ],
    ['nothing carries it yet', undefined, false],
  ])('%s → %s', (_, lookup, want) => {
    expect(settledWithoutHeaders(lookup)).toBe(want);
  });
});

describe('decideLooked', () => {
  it('a plain filesystem: none, whatever the headers (they were not read)', () => {
    expect(
      decideLooked('LABEL=COS_PERSISTENT', {device: '/dev/vdb1', bySuperblock: true}, undefined, CONFIG),
    ).toEqual({
      kind: 'none',
      volume: 'LABEL=COS_PERSISTENT',
    });
  });
  it('udev names the raw LUKS device with the same header label (kairos#4033): unlock it', () => {
    const d = decideLooked(
      'LABEL=COS_PERSISTENT',
      {device: '/dev/vda5', bySuperblock: false},
      [SAME_LABEL],
      CONFIG,
    );
    expect(d).toMatchObject({kind: 'unlock', item: {mapper: 'vda5', foundBy: 'header-label'}});
  });
  it('a container and nothing else: unlock', () => {
    expect(decideLooked('LABEL=COS_PERSISTENT', undefined, [SAME_LABEL], CONFIG)).toMatchObject({
      kind: 'unlock',
    });
  });
  it('neither yet: undefined (keep waiting)', () => {
    expect(decideLooked('LABEL=COS_PERSISTENT', undefined, [], CONFIG)).toBeUndefined();
  });
  it('a mapper with the label and no container: none (an LVM volume, say)', () => {
    expect(
      decideLooked('LABEL=COS_PERSISTENT', {device: '/dev/dm-3', bySuperblock: true}, [], CONFIG),
    ).toEqual({
      kind: 'none',
      volume: 'LABEL=COS_PERSISTENT',
    });
  });
});
