import {describe, expect, it} from 'vitest';
import {type ActivationTool, decideActivation} from './activation.ts';

describe('decideActivation', () => {
  const cases: Array<{
    name: string;
    tool: ActivationTool;
    types: Array<[string, string | undefined]> | undefined;
    want: {run: boolean; reason: string};
  }> = [
    {
      name: 'runs lvm for a physical volume',
      tool: 'lvm',
      types: [
        ['vda1', 'ext4'],
        ['vda5', 'LVM2_member'],
      ],
      want: {run: true, reason: 'LVM2_member on vda5'},
    },
    {
      name: 'skips lvm on ext4, LUKS and blank disks',
      tool: 'lvm',
      types: [
        ['vda', ''],
        ['vda1', 'ext4'],
        ['vda2', 'crypto_LUKS'],
      ],
      want: {run: false, reason: 'none on any disk'},
    },
    {
      name: 'skips mdadm for a physical volume',
      tool: 'mdadm',
      types: [['vda5', 'LVM2_member']],
      want: {run: false, reason: 'none on any disk'},
    },
    {
      name: 'runs mdadm for an md member',
      tool: 'mdadm',
      types: [
        ['vdb1', 'linux_raid_member'],
        ['vdc1', 'linux_raid_member'],
      ],
      want: {run: true, reason: 'linux_raid_member on vdb1'},
    },
    {
      name: 'runs mdadm for Intel Matrix firmware RAID',
      tool: 'mdadm',
      types: [['sda', 'isw_raid_member']],
      want: {run: true, reason: 'isw_raid_member on sda'},
    },
    {
      name: 'runs mdadm for DDF firmware RAID',
      tool: 'mdadm',
      types: [['sdb', 'ddf_raid_member']],
      want: {run: true, reason: 'ddf_raid_member on sdb'},
    },
    {
      name: 'runs a tool when one device could not be read',
      tool: 'lvm',
      types: [
        ['vda1', 'ext4'],
        ['vdb', undefined],
      ],
      want: {run: true, reason: 'cannot tell what vdb holds'},
    },
    {
      name: 'a member found wins over an unreadable device in the reason',
      tool: 'lvm',
      types: [
        ['sda', undefined],
        ['vda5', 'LVM2_member'],
      ],
      want: {run: true, reason: 'LVM2_member on vda5'},
    },
    {
      name: 'runs every tool when nothing could be read',
      tool: 'mdadm',
      types: undefined,
      want: {run: true, reason: 'the disks could not be read'},
    },
    {
      name: 'skips both on a machine with no block device',
      tool: 'lvm',
      types: [],
      want: {run: false, reason: 'none on any disk'},
    },
  ];
  it.each(cases)('$name', ({tool, types, want}) => {
    expect(decideActivation(tool, types && new Map(types))).toEqual(want);
  });
});
