import {describe, expect, it} from 'vitest';
import {formatGuid, mbrPartUuid, parseGptHeader} from './gpt.ts';
import {formatUuid, HEAD_BYTES, ISO_PVD_BYTES, parseIso9660, parseSuperblock} from './superblock.ts';

const UUID_BYTES = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

function ext({compat = 0, incompat = 0, roCompat = 0, label = 'COS_STATE'} = {}): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  b.writeUInt16LE(0xef53, 1024 + 56);
  b.writeUInt32LE(compat, 1024 + 92);
  b.writeUInt32LE(incompat, 1024 + 96);
  b.writeUInt32LE(roCompat, 1024 + 100);
  UUID_BYTES.copy(b, 1024 + 104);
  b.write(label, 1024 + 120, 'utf8');
  return b;
}

function fat({fat32, label, serial = 0x1234abcd}: {fat32: boolean; label: string; serial?: number}): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  b.writeUInt16LE(512, 0x0b);
  const ebr = fat32 ? 0x40 : 0x24;
  b[ebr + 2] = 0x29;
  b.writeUInt32LE(serial, ebr + 3);
  b.write(label.padEnd(11, ' '), ebr + 7, 'latin1');
  b.write(fat32 ? 'FAT32   ' : 'FAT16   ', fat32 ? 0x52 : 0x36, 'latin1');
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

describe('parseSuperblock', () => {
  const xfs = Buffer.alloc(HEAD_BYTES);
  xfs.write('XFSB', 0, 'latin1');
  UUID_BYTES.copy(xfs, 32);
  xfs.write('DATA', 108, 'latin1');
  const mbrOnly = Buffer.alloc(HEAD_BYTES);
  mbrOnly[510] = 0x55;
  mbrOnly[511] = 0xaa;
  const uuid = '01234567-89ab-cdef-0123-456789abcdef';

  const cases = [
    {
      name: 'ext4 by its extents feature',
      buf: ext({incompat: 0x40}),
      want: {fstype: 'ext4', label: 'COS_STATE', uuid},
    },
    {name: 'ext4 by metadata_csum alone', buf: ext({roCompat: 0x400}), want: {fstype: 'ext4'}},
    {name: 'ext3 has a journal and no ext4 feature', buf: ext({compat: 0x4}), want: {fstype: 'ext3'}},
    {name: 'ext2 has neither', buf: ext(), want: {fstype: 'ext2'}},
    {
      name: 'a 16-byte label fills its field',
      buf: ext({label: 'ABCDEFGHIJKLMNOP'}),
      want: {label: 'ABCDEFGHIJKLMNOP'},
    },
    {
      name: 'FAT16 label and serial',
      buf: fat({fat32: false, label: 'COS_GRUB'}),
      want: {fstype: 'vfat', label: 'COS_GRUB', uuid: '1234-ABCD'},
    },
    {
      name: 'FAT32 label and serial',
      buf: fat({fat32: true, label: 'EFI'}),
      want: {fstype: 'vfat', label: 'EFI', uuid: '1234-ABCD'},
    },
    {
      name: 'squashfs by its magic',
      buf: Buffer.concat([Buffer.from('hsqs'), Buffer.alloc(100)]),
      want: {fstype: 'squashfs'},
    },
    {name: 'xfs label and uuid', buf: xfs, want: {fstype: 'xfs', label: 'DATA', uuid}},
  ];
  it.each(cases)('$name', ({buf, want}) => expect(parseSuperblock(buf)).toMatchObject(want));

  const none = [
    {name: 'zeroes', buf: Buffer.alloc(HEAD_BYTES)},
    {name: 'a partition table alone', buf: mbrOnly},
    {name: 'a buffer too short for ext', buf: Buffer.alloc(512)},
  ];
  it.each(none)('$name is no filesystem', ({buf}) => expect(parseSuperblock(buf)).toBeUndefined());

  it('FAT without a label has none (NO NAME)', () => {
    expect(parseSuperblock(fat({fat32: true, label: 'NO NAME'}))).toEqual({
      fstype: 'vfat',
      uuid: '1234-ABCD',
    });
  });
  it('an ext superblock without a label or uuid has neither', () => {
    const b = ext({incompat: 0x40, label: ''});
    b.fill(0, 1024 + 104, 1024 + 120);
    expect(parseSuperblock(b)).toEqual({fstype: 'ext4'});
  });
});

describe('parseIso9660', () => {
  function pvd(label: string, date = '2024010212304500'): Buffer {
    const b = Buffer.alloc(ISO_PVD_BYTES);
    b[0] = 1;
    b.write('CD001', 1, 'latin1');
    b.write(label.padEnd(32, ' '), 40, 'latin1');
    b.write(date, 813, 'latin1');
    return b;
  }
  const cases = [
    {
      name: 'volume id and creation date',
      buf: pvd('COS_LIVE'),
      want: {fstype: 'iso9660', label: 'COS_LIVE', uuid: '2024-01-02-12-30-45-00'},
    },
    {name: 'no date, no uuid', buf: pvd('X', '0000000000000000'), want: {fstype: 'iso9660', label: 'X'}},
    {name: 'not a primary descriptor', buf: Buffer.alloc(ISO_PVD_BYTES), want: undefined},
  ];
  it.each(cases)('$name', ({buf, want}) => expect(parseIso9660(buf)).toEqual(want));
});

describe('formatUuid', () => {
  it('formats 16 bytes as 8-4-4-4-12', () =>
    expect(formatUuid(UUID_BYTES)).toBe('01234567-89ab-cdef-0123-456789abcdef'));
  it('all zeroes is no uuid', () => expect(formatUuid(Buffer.alloc(16))).toBe(''));
});

describe('GPT and MBR PARTUUID', () => {
  it('reads the GPT header fields', () => {
    const b = Buffer.alloc(512);
    b.write('EFI PART', 0, 'latin1');
    b.writeBigUInt64LE(2n, 72);
    b.writeUInt32LE(128, 80);
    b.writeUInt32LE(128, 84);
    expect(parseGptHeader(b)).toEqual({entriesLba: 2, entryCount: 128, entrySize: 128});
  });
  it('a disk without GPT has no header', () => expect(parseGptHeader(Buffer.alloc(512))).toBeUndefined());
  it('formats a GUID with its first three fields little-endian', () => {
    // C12A7328-F81F-11D2-BA4B-00A0C93EC93B (the EFI system partition type) as stored on disk.
    const raw = Buffer.from('28732ac11ff8d211ba4b00a0c93ec93b', 'hex');
    expect(formatGuid(raw)).toBe('c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
  });
  const mbr = Buffer.alloc(512);
  mbr.writeUInt32LE(0x1234abcd, 440);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const cases = [
    {name: 'disk signature and partition number', buf: mbr, partn: 2, want: '1234abcd-02'},
    {name: 'no boot signature', buf: Buffer.alloc(512), partn: 1, want: undefined},
  ];
  it.each(cases)('MBR: $name', ({buf, partn, want}) => expect(mbrPartUuid(buf, partn)).toBe(want));
});
