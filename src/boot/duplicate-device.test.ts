import {describe, expect, it} from 'vitest';
import {type DuplicateCandidate, decideDuplicateDevice} from './duplicate-device.ts';

const on = (device: string, disk: string, siblings: string[] = []): DuplicateCandidate => ({
  device,
  disk,
  siblings,
});
const INSTALL = ['COS_OEM', 'COS_RECOVERY', 'COS_PERSISTENT'];

describe('decideDuplicateDevice', () => {
  const chosen: Array<{name: string; spec: string; candidates: DuplicateCandidate[]; want: string}> = [
    {
      name: 'COS_STATE on the install disk wins over a stick that holds only COS_STATE',
      spec: 'LABEL=COS_STATE',
      candidates: [on('/dev/vda4', 'vda', INSTALL), on('/dev/vdb2', 'vdb')],
      want: '/dev/vda4',
    },
    {
      name: 'the order of the scan does not matter',
      spec: 'LABEL=COS_STATE',
      candidates: [on('/dev/sda1', 'sda'), on('/dev/vda4', 'vda', INSTALL)],
      want: '/dev/vda4',
    },
    {
      name: 'a stick with COS_STATE and COS_PERSISTENT loses COS_PERSISTENT to the disk with three',
      spec: 'LABEL=COS_PERSISTENT',
      candidates: [
        on('/dev/vda5', 'vda', ['COS_OEM', 'COS_RECOVERY', 'COS_STATE']),
        on('/dev/vdb3', 'vdb', ['COS_STATE']),
      ],
      want: '/dev/vda5',
    },
    {
      name: 'a duplicate of the own label on the same stick does not count for it',
      spec: 'LABEL=COS_STATE',
      candidates: [
        on('/dev/vda4', 'vda', ['COS_OEM']),
        on('/dev/vdb2', 'vdb', ['COS_STATE', 'DATA', 'EFI']),
        on('/dev/vdb3', 'vdb', ['COS_STATE', 'DATA', 'EFI']),
      ],
      want: '/dev/vda4',
    },
    {
      name: 'a UUID duplicate (a dd copy of a partition) is decided the same way',
      spec: 'UUID=1234',
      candidates: [on('/dev/vda4', 'vda', INSTALL), on('/dev/sdb1', 'sdb', ['DATA'])],
      want: '/dev/vda4',
    },
  ];
  it.each(chosen)('$name', ({spec, candidates, want}) => {
    const got = decideDuplicateDevice(spec, candidates);
    expect(got).toMatchObject({kind: 'chosen', device: want});
    for (const c of candidates) expect(got.message).toContain(c.device);
    expect(got.message).toContain(spec);
    const strangers = candidates.filter((c) => c.device !== want).map((c) => c.device);
    for (const s of strangers) expect(got.hint).toContain(s);
  });

  it('says which disk holds what', () => {
    const got = decideDuplicateDevice('LABEL=COS_STATE', [
      on('/dev/vda4', 'vda', INSTALL),
      on('/dev/vdb2', 'vdb', ['COS_PERSISTENT']),
    ]);
    expect(got.message).toBe(
      '2 devices carry LABEL=COS_STATE: /dev/vda4 (on vda with COS_OEM, COS_PERSISTENT, COS_RECOVERY) and ' +
        '/dev/vdb2 (on vdb with COS_PERSISTENT); using /dev/vda4, on the disk of the other COS_* partitions',
    );
    expect(got.hint).toBe(
      'Remove the disk of /dev/vdb2 or give it another label (e2label <device> <label>), so no other filesystem answers LABEL=COS_STATE.',
    );
  });

  const ambiguous: Array<{name: string; spec: string; candidates: DuplicateCandidate[]; why: RegExp}> = [
    {
      name: 'two loop devices (no partitions, nothing beside them) cannot be told apart',
      spec: 'LABEL=COS_TWIN',
      candidates: [on('/dev/loop1', 'loop1'), on('/dev/loop2', 'loop2')],
      why: /none of them is on a disk with other COS_\* partitions/,
    },
    {
      name: 'two full installs (a cloned disk) are a tie',
      spec: 'LABEL=COS_STATE',
      candidates: [on('/dev/vda4', 'vda', INSTALL), on('/dev/vdb4', 'vdb', INSTALL)],
      why: /\/dev\/vda4 and \/dev\/vdb4 are each on a disk with as many COS_\* partitions/,
    },
    {
      name: 'two partitions of one disk are a tie',
      spec: 'LABEL=COS_STATE',
      candidates: [
        on('/dev/vda4', 'vda', ['COS_OEM', 'COS_STATE']),
        on('/dev/vda6', 'vda', ['COS_OEM', 'COS_STATE']),
      ],
      why: /each on a disk with as many/,
    },
    {
      name: 'labels that are not COS_* do not make a disk the install disk',
      spec: 'LABEL=COS_STATE',
      candidates: [on('/dev/vda4', 'vda', ['DATA', 'EFI']), on('/dev/vdb1', 'vdb')],
      why: /none of them/,
    },
  ];
  it.each(ambiguous)('$name', ({spec, candidates, why}) => {
    const got = decideDuplicateDevice(spec, candidates);
    expect(got.kind).toBe('ambiguous');
    for (const c of candidates) expect(got.message).toContain(c.device);
    expect(got.message).toContain(spec);
    expect(got.message).toMatch(why);
    expect(got.message).toMatch(/will not guess/);
    expect(got.hint).toMatch(spec.startsWith('LABEL=') ? /e2label/ : /another identity/);
  });
});
