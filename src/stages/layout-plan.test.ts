import {describe, expect, it} from 'vitest';
import {type DiskTable, LayoutRefusal, type LayoutSpec, planLayout} from './layout-plan.ts';

const MiB = 2048; // sectors of 512 bytes
// A 1 GiB disk: OEM 64 MiB, then COS_PERSISTENT 256 MiB, the rest free.
const table = (over: Partial<DiskTable> = {}): DiskTable => ({
  disk: '/dev/vda',
  label: 'gpt',
  sectorSize: 512,
  sectors: 1024 * MiB,
  firstUsable: 34,
  partitions: [
    {number: 1, start: MiB, end: 65 * MiB - 1, name: 'oem', fsType: 'ext4', fsLabel: 'COS_OEM'},
    {
      number: 2,
      start: 65 * MiB,
      end: 321 * MiB - 1,
      name: 'persistent',
      fsType: 'ext4',
      fsLabel: 'COS_PERSISTENT',
    },
  ],
  ...over,
});
const LAST = 1024 * MiB - 34; // last usable sector once the backup table sits at the disk's end
const grow: LayoutSpec = {device: {label: 'COS_PERSISTENT'}, expand: {sizeMiB: 0}, add: []};
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LayoutRefusal);
    return `${(e as LayoutRefusal).message} / ${(e as LayoutRefusal).hint}`;
  }
  throw new Error('no refusal');
};

describe('planLayout', () => {
  it('size 0 grows the last partition to the end of the disk', () => {
    expect(planLayout(grow, table(), 2).actions).toEqual([
      {kind: 'grow', number: 2, start: 65 * MiB, from: 321 * MiB - 1, end: LAST, fsType: 'ext4'},
    ]);
  });

  it('a second run finds nothing to do (yip would fail it)', () => {
    const grown = table();
    const p = grown.partitions[1];
    if (p) p.end = LAST;
    const plan = planLayout(grow, grown, 2);
    expect(plan.actions).toEqual([]);
    expect(plan.notes[0]).toContain('already has its size (958 MiB)');
  });

  it('a size in MiB grows to that size', () => {
    expect(planLayout({...grow, expand: {sizeMiB: 512}}, table(), 2).actions).toEqual([
      {
        kind: 'grow',
        number: 2,
        start: 65 * MiB,
        from: 321 * MiB - 1,
        end: 65 * MiB + 512 * MiB - 1,
        fsType: 'ext4',
      },
    ]);
  });

  it('never shrinks', () => {
    expect(refusal(() => planLayout({...grow, expand: {sizeMiB: 100}}, table(), 2))).toContain(
      'never shrinks',
    );
  });

  it('refuses a size the disk cannot hold', () => {
    expect(refusal(() => planLayout({...grow, expand: {sizeMiB: 2000}}, table(), 2))).toContain(
      'can reach 958 MiB',
    );
  });

  it('refuses to grow a labelled partition that is not the last one', () => {
    expect(refusal(() => planLayout({...grow, device: {label: 'COS_OEM'}}, table(), 1))).toContain(
      'COS_OEM is partition 1, not the last partition of /dev/vda (2)',
    );
  });

  it('grows the last partition of a disk given by path', () => {
    expect(planLayout({...grow, device: {path: '/dev/vda'}}, table()).actions[0]).toMatchObject({
      kind: 'grow',
      number: 2,
    });
  });

  it('refuses swap, vfat (as yip) and xfs/btrfs (not in the initramfs)', () => {
    for (const [fsType, text] of [
      ['swap', 'cannot be grown'],
      ['vfat', 'cannot be grown'],
      ['xfs', 'xfs_growfs'],
      ['btrfs', 'btrfs filesystem resize'],
    ] as const) {
      const t = table();
      const p = t.partitions[1];
      if (p) p.fsType = fsType;
      expect(refusal(() => planLayout(grow, t, 2))).toContain(text);
    }
  });

  it('grows a partition with no known filesystem without resizing one', () => {
    const t = table();
    const p = t.partitions[1];
    if (p) delete p.fsType;
    expect(planLayout(grow, t, 2).actions[0]).toEqual({
      kind: 'grow',
      number: 2,
      start: 65 * MiB,
      from: 321 * MiB - 1,
      end: LAST,
    });
  });

  it('refuses an MBR disk and an overlapping table', () => {
    expect(refusal(() => planLayout(grow, table({label: 'dos'}), 2))).toContain('has a dos partition table');
    const t = table();
    const p = t.partitions[0];
    if (p) p.end = 70 * MiB;
    expect(refusal(() => planLayout(grow, t, 2))).toContain(
      'partition 1 (sectors 2048-143360) overlaps partition 2',
    );
  });

  it('refuses a table running past the disk end', () => {
    expect(refusal(() => planLayout(grow, table({sectors: 300 * MiB}), 2))).toContain('overlaps the table');
  });

  it('adds partitions after the last one, MiB-aligned, with yip types and mkfs', () => {
    const spec: LayoutSpec = {
      device: {path: '/dev/vda'},
      add: [
        {pLabel: 'data', fsLabel: 'DATA', sizeMiB: 100, filesystem: 'ext4', bootable: false},
        {fsLabel: 'SWAP', sizeMiB: 64, filesystem: 'swap', bootable: false},
        {pLabel: 'efi', sizeMiB: 32, filesystem: 'vfat', bootable: true},
        {pLabel: 'raw', sizeMiB: 0, filesystem: 'none', bootable: false},
      ],
    };
    expect(planLayout(spec, table()).actions).toEqual([
      {
        kind: 'add',
        number: 3,
        start: 321 * MiB,
        end: 421 * MiB - 1,
        name: 'data',
        type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
        mkfs: 'ext4',
        fsLabel: 'DATA',
      },
      {
        kind: 'add',
        number: 4,
        start: 421 * MiB,
        end: 485 * MiB - 1,
        name: '',
        type: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
        mkfs: 'swap',
        fsLabel: 'SWAP',
      },
      {
        kind: 'add',
        number: 5,
        start: 485 * MiB,
        end: 517 * MiB - 1,
        name: 'efi',
        type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
        mkfs: 'vfat',
      },
      {
        kind: 'add',
        number: 6,
        start: 517 * MiB,
        end: LAST,
        name: 'raw',
        type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
      },
    ]);
  });

  it('skips a partition already there by pLabel or fsLabel (a second boot)', () => {
    const spec: LayoutSpec = {
      device: {path: '/dev/vda'},
      add: [
        {pLabel: 'persistent', sizeMiB: 100, filesystem: 'ext4', bootable: false},
        {fsLabel: 'COS_OEM', sizeMiB: 100, filesystem: 'ext4', bootable: false},
      ],
    };
    const plan = planLayout(spec, table());
    expect(plan.actions).toEqual([]);
    expect(plan.notes).toEqual([
      'partition persistent is already there (partition 2), not added',
      'partition COS_OEM is already there (partition 1), not added',
    ]);
  });

  it('refuses a partition that does not fit and an unknown filesystem', () => {
    const big = {
      device: {path: '/dev/vda'},
      add: [{pLabel: 'x', sizeMiB: 800, filesystem: 'ext4', bootable: false}],
    };
    expect(refusal(() => planLayout(big, table()))).toContain(
      'x needs 800 MiB after the last partition of /dev/vda, 702 MiB are free',
    );
    const odd = {
      device: {path: '/dev/vda'},
      add: [{pLabel: 'x', sizeMiB: 8, filesystem: 'zfs', bootable: false}],
    };
    expect(refusal(() => planLayout(odd, table()))).toContain('"zfs"');
  });

  it('adds then grows the added partition (yip: expand applies to the new last partition)', () => {
    const spec: LayoutSpec = {
      device: {path: '/dev/vda'},
      expand: {sizeMiB: 0},
      add: [{pLabel: 'data', sizeMiB: 100, filesystem: 'ext4', bootable: false}],
    };
    expect(planLayout(spec, table()).actions).toEqual([
      expect.objectContaining({kind: 'add', number: 3, start: 321 * MiB, end: LAST}),
    ]);
  });

  it('uses the lowest free partition number', () => {
    const t = table();
    const p = t.partitions[0];
    if (p) p.number = 5;
    const spec = {
      device: {path: '/dev/vda'},
      add: [{pLabel: 'x', sizeMiB: 8, filesystem: 'ext4', bootable: false}],
    };
    expect(planLayout(spec, t).actions[0]).toMatchObject({number: 1});
  });

  it('starts the first partition of an empty table on the first MiB', () => {
    const spec = {
      device: {path: '/dev/vda'},
      add: [{pLabel: 'x', sizeMiB: 8, filesystem: 'ext4', bootable: false}],
    };
    expect(planLayout(spec, table({partitions: []})).actions[0]).toMatchObject({
      start: MiB,
      end: 9 * MiB - 1,
    });
    expect(refusal(() => planLayout(grow, table({partitions: []})))).toContain('has no partition');
  });
});
