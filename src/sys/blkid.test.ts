import {describe, expect, it} from 'vitest';
import {blockInfoFromBlkid, parseBlkidExport} from './blkid.ts';

describe('parseBlkidExport', () => {
  const cases = [
    {
      name: 'an ext4 partition',
      text: 'DEVNAME=/dev/sda2\nLABEL=COS_STATE\nUUID=0a1b\nBLOCK_SIZE=4096\nTYPE=ext4\nPART_ENTRY_NAME=state\n',
      want: {
        DEVNAME: '/dev/sda2',
        LABEL: 'COS_STATE',
        UUID: '0a1b',
        BLOCK_SIZE: '4096',
        TYPE: 'ext4',
        PART_ENTRY_NAME: 'state',
      },
    },
    {name: 'a value with =', text: 'LABEL=a=b\n', want: {LABEL: 'a=b'}},
    {name: 'blank and junk lines are skipped', text: '\n=x\njunk\nTYPE=vfat', want: {TYPE: 'vfat'}},
  ];
  it.each(cases)('$name', ({text, want}) => expect(parseBlkidExport(text)).toEqual(want));
});

describe('blockInfoFromBlkid', () => {
  const cases: Array<{name: string; rec: Record<string, string>; want: unknown}> = [
    {
      name: 'type, label and uuid',
      rec: {TYPE: 'xfs', LABEL: 'DATA', UUID: 'u'},
      want: {fstype: 'xfs', label: 'DATA', uuid: 'u'},
    },
    {name: 'no label', rec: {TYPE: 'btrfs', UUID: 'u'}, want: {fstype: 'btrfs', uuid: 'u'}},
    {name: 'a partition table is no filesystem', rec: {PTTYPE: 'gpt'}, want: undefined},
  ];
  it.each(cases)('$name', ({rec, want}) => expect(blockInfoFromBlkid(rec)).toEqual(want));
});
