import {describe, expect, it} from 'vitest';
import {
  decodeMountField,
  findTopMount,
  formatDevNumber,
  optionValue,
  parseMountinfo,
  topMountAt,
} from './mountinfo.ts';

const SAMPLE = [
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '36 27 7:3 / /tmp/x/sysroot ro,relatime - ext4 /dev/loop3 ro',
  '37 27 0:40 / /tmp/x/run/overlay rw,relatime master:2 shared:3 - tmpfs tmpfs rw,size=1024k',
  '38 36 0:41 / /tmp/x/sysroot/etc rw,relatime - overlay overlay rw,lowerdir=/tmp/x/sysroot/etc,upperdir=/u,workdir=/w',
  '39 27 254:0 /home/a\\040b /mnt/with\\040space rw - ext4 /dev/vda rw',
  '40 36 0:42 / /tmp/x/sysroot ro - tmpfs tmpfs rw',
  'garbage line',
  '',
].join('\n');

describe('parseMountinfo', () => {
  const entries = parseMountinfo(SAMPLE);
  const cases = [
    {
      name: 'a loop device mount',
      index: 1,
      want: {
        id: 36,
        parentId: 27,
        majorMinor: '7:3',
        target: '/tmp/x/sysroot',
        fstype: 'ext4',
        source: '/dev/loop3',
      },
    },
    {
      name: 'optional fields end at the dash',
      index: 2,
      want: {fstype: 'tmpfs', superOptions: ['rw', 'size=1024k']},
    },
    {
      name: 'overlay super options',
      index: 3,
      want: {superOptions: ['rw', 'lowerdir=/tmp/x/sysroot/etc', 'upperdir=/u', 'workdir=/w']},
    },
    {name: 'escaped spaces are decoded', index: 4, want: {root: '/home/a b', target: '/mnt/with space'}},
    {name: 'per-mount options are split', index: 0, want: {options: ['rw', 'relatime']}},
  ];
  it.each(cases)('$name', ({index, want}) => expect(entries[index]).toMatchObject(want));
  it('drops lines that do not parse', () => expect(entries).toHaveLength(6));
});

describe('topMountAt', () => {
  const entries = parseMountinfo(SAMPLE);
  const cases = [
    {name: 'the last mount at a target is the visible one', target: '/tmp/x/sysroot', want: 40},
    {name: 'a single mount', target: '/tmp/x/run/overlay', want: 37},
    {name: 'nothing mounted there', target: '/tmp/x/nothing', want: undefined},
  ];
  it.each(cases)('$name', ({target, want}) => expect(topMountAt(entries, target)?.id).toBe(want));
});

describe('findTopMount', () => {
  const targets = [
    {name: 'the last of two mounts on one target', target: '/tmp/x/sysroot', id: 40},
    {name: 'a target below a mount', target: '/tmp/x/sysroot/etc', id: 38},
    {name: 'an escaped target (a space in it)', target: '/mnt/with space', id: 39},
    {name: 'nothing on a target that is a prefix of one', target: '/tmp/x/sys', id: undefined},
    {name: 'nothing on a path that is only a mount root', target: '/home/a b', id: undefined},
    {name: 'nothing on a target the table does not hold', target: '/tmp/x/sysroot/var', id: undefined},
  ];
  it.each(targets)('$name, as parsing the whole table finds', ({target, id}) => {
    expect(findTopMount(SAMPLE, target)?.id).toBe(id);
    expect(findTopMount(SAMPLE, target)).toEqual(topMountAt(parseMountinfo(SAMPLE), target));
  });
});

describe('decodeMountField', () => {
  const cases = [
    {raw: 'a\\040b', want: 'a b'},
    {raw: 'tab\\011x', want: 'tab\tx'},
    {raw: 'back\\134slash', want: 'back\\slash'},
    {raw: 'plain', want: 'plain'},
  ];
  it.each(cases)('$raw', ({raw, want}) => expect(decodeMountField(raw)).toBe(want));
});

describe('formatDevNumber', () => {
  const cases = [
    {name: 'loop3', rdev: 0x703, want: '7:3'},
    {name: 'virtio disk', rdev: 0xfe00, want: '254:0'},
    {name: 'a minor above 255', rdev: (259 << 8) | 0x12 | (0x1 << 20), want: '259:274'},
    {name: 'a major above 4095', rdev: 0x1000 * 2 ** 32 + 0x100, want: '4097:0'},
  ];
  it.each(cases)('$name', ({rdev, want}) => expect(formatDevNumber(rdev)).toBe(want));
});

describe('optionValue', () => {
  const cases = [
    {name: 'present', key: 'upperdir', want: '/u'},
    {name: 'absent', key: 'size', want: undefined},
    {name: 'a flag is not a value', key: 'rw', want: undefined},
  ];
  it.each(cases)('$name', ({key, want}) => expect(optionValue(['rw', 'upperdir=/u'], key)).toBe(want));
});
