// Member signatures at the offsets blkid reads them (the integration test test/sys/member-scan.test.ts
// checks real pvcreate output and blkid's verdict on the same bytes).
import {describe, expect, it} from 'vitest';
import {identifyMember, MEMBER_HEAD_BYTES, MEMBER_TAIL_BYTES} from './member-scan.ts';

const MiB = 1024 * 1024;

/** A device of `size` bytes, all zero but for `writes` (offset → bytes), split as the scan reads it. */
function device(size: number, writes: Array<[number, Buffer]>) {
  const whole = Buffer.alloc(size);
  for (const [offset, bytes] of writes) bytes.copy(whole, offset);
  const tailStart = Math.max(0, size - MEMBER_TAIL_BYTES);
  return identifyMember(whole.subarray(0, MEMBER_HEAD_BYTES), whole.subarray(tailStart), tailStart, size);
}

function mdSuper(major: number, le = true): Buffer {
  const b = Buffer.alloc(16);
  if (le) b.writeUInt32LE(0xa92b4efc, 0);
  else b.writeUInt32BE(0xa92b4efc, 0);
  b.writeUInt32LE(major, 4);
  return b;
}

function lvmLabel(sector: number, type = 'LVM2 001'): Buffer {
  const b = Buffer.alloc(32);
  b.write('LABELONE', 0, 'latin1');
  b.writeBigUInt64LE(BigInt(sector), 8);
  b.write(type, 24, 'latin1');
  return b;
}

describe('identifyMember', () => {
  const size = 8 * MiB + 3 * 4096 + 1024; // not 64 KiB aligned: the tail offsets round
  const cases: Array<{name: string; size?: number; writes: Array<[number, Buffer]>; want: string}> = [
    {name: 'a blank device holds nothing', writes: [], want: ''},
    {
      name: 'LVM label in sector 1 (pvcreate puts it there)',
      writes: [[512, lvmLabel(1)]],
      want: 'LVM2_member',
    },
    {name: 'LVM label in sector 0', writes: [[0, lvmLabel(0)]], want: 'LVM2_member'},
    {name: 'LVM label in sector 3', writes: [[1536, lvmLabel(3)]], want: 'LVM2_member'},
    {name: 'LVM label whose sector field lies is not one', writes: [[512, lvmLabel(2)]], want: ''},
    {name: 'LVM1 label is not an LVM2 member', writes: [[512, lvmLabel(1, 'LVM1 001')]], want: ''},
    {name: 'md 1.1 at the start', writes: [[0, mdSuper(1)]], want: 'linux_raid_member'},
    {name: 'md 1.2 at 4 KiB', writes: [[4096, mdSuper(1)]], want: 'linux_raid_member'},
    {name: 'md magic with major version 0 at 4 KiB is not 1.2', writes: [[4096, mdSuper(0)]], want: ''},
    {
      name: 'md 1.0 8 KiB before the end, 4 KiB aligned',
      writes: [[Math.floor((size - 8192) / 4096) * 4096, mdSuper(1)]],
      want: 'linux_raid_member',
    },
    {
      name: 'md 0.90 64 KiB before the 64 KiB-aligned end',
      writes: [[Math.floor(size / 65536) * 65536 - 65536, mdSuper(0)]],
      want: 'linux_raid_member',
    },
    {
      name: 'md 0.90 written big-endian (another host order)',
      writes: [[Math.floor(size / 65536) * 65536 - 65536, mdSuper(0, false)]],
      want: 'linux_raid_member',
    },
    {
      name: 'Intel Matrix (isw) two sectors before the end',
      writes: [
        [Math.floor(size / 512) * 512 - 1024, Buffer.from('Intel Raid ISM Cfg Sig. 1.0.00', 'latin1')],
      ],
      want: 'isw_raid_member',
    },
    {
      name: 'DDF anchor in the last sector',
      writes: [[Math.floor(size / 512) * 512 - 512, Buffer.from([0xde, 0x11, 0xde, 0x11])]],
      want: 'ddf_raid_member',
    },
    {
      name: 'DDF anchor 257 sectors before the end',
      writes: [[Math.floor(size / 512) * 512 - 257 * 512, Buffer.from([0xde, 0x11, 0xde, 0x11])]],
      want: 'ddf_raid_member',
    },
    {
      name: 'a PV on an md 1.0 array: the member is the array (assembled first)',
      writes: [
        [512, lvmLabel(1)],
        [Math.floor((size - 8192) / 4096) * 4096, mdSuper(1)],
      ],
      want: 'linux_raid_member',
    },
    {name: 'a tiny device with a label', size: 4096, writes: [[512, lvmLabel(1)]], want: 'LVM2_member'},
    {name: 'a tiny blank device', size: 1024, writes: [], want: ''},
  ];
  it.each(cases)('$name', ({size: s, writes, want}) => {
    expect(device(s ?? size, writes)).toBe(want);
  });
});
