// LVM and md RAID activation before the device waits: only the tools the initramfs has, after udev
// has settled, md before LVM; a missing tool is nothing to activate, a failing one degrades.
import {describe, expect, it} from 'vitest';
import {FakeSys, type RunScript} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import {activateDevices, shouldActivateDevices} from './activate-devices.ts';

const SETTLE = 'run udevadm settle --timeout=60';
const MD = 'run mdadm --assemble --scan';
const LVM = 'run lvm vgchange --activate y --sysinit';

/** mdadm finding nothing (its exit 1), lvm activating one volume group. */
const TYPICAL: RunScript = (argv) => {
  if (argv[0] === 'mdadm')
    return {exitCode: 1, stdout: '', stderr: 'mdadm: No arrays found in config file or automatically'};
  if (argv[0] === 'lvm')
    return {exitCode: 0, stdout: '  1 logical volume(s) in volume group "vg0" now active', stderr: ''};
  return undefined;
};

/** A udev database: kernel name → [size in sectors, ID_FS_TYPE, or null for a device without a record]. */
type UdevDisks = Record<string, [number, string | null]>;

function udevFiles(disks: UdevDisks): Record<string, string> {
  const files: Record<string, string> = {'/run/udev/data/n1': 'I:1\n'};
  Object.entries(disks).forEach(([name, [size, type]], i) => {
    files[`/sys/class/block/${name}/size`] = `${size}\n`;
    files[`/sys/class/block/${name}/dev`] = `254:${i}\n`;
    if (type !== null)
      files[`/run/udev/data/b254:${i}`] =
        `S:disk/by-path/x\nE:ID_FS_TYPE=${type}\nE:ID_PART_ENTRY_NUMBER=${i}\n`;
  });
  return files;
}

function run(
  tools: string[],
  opts: {
    cmdline?: string;
    script?: RunScript;
    udev?: UdevDisks;
    members?: Record<string, string | null>;
  } = {},
) {
  const sys = new FakeSys({
    tools,
    run: opts.script ?? TYPICAL,
    files: opts.udev ? udevFiles(opts.udev) : {},
    ...(opts.members ? {members: opts.members} : {}),
  });
  const ctx = stepContext(sys, {cmdline: opts.cmdline ?? ACTIVE_CMDLINE, step: 'activate-devices'});
  return {sys, ctx};
}

const infos = (ctx: ReturnType<typeof run>['ctx']) =>
  ctx.log.lines.filter((l) => l.level === 'info').map((l) => l.msg);

describe('activateDevices', () => {
  const valid = [
    {
      name: 'runs nothing, not even a settle, when the initramfs has neither tool',
      tools: [],
      cmdline: ACTIVE_CMDLINE,
      calls: [],
      said: ['no lvm or mdadm in the initramfs: nothing to activate'],
    },
    {
      name: 'settles udev, assembles md arrays, then activates LVM (a PV may sit on an array)',
      tools: ['lvm', 'mdadm'],
      cmdline: ACTIVE_CMDLINE,
      calls: [SETTLE, MD, LVM],
      said: ['no md arrays to assemble', 'LVM: 1 logical volume(s) in volume group "vg0" now active'],
    },
    {
      name: 'activates LVM alone when mdadm is missing',
      tools: ['lvm'],
      cmdline: ACTIVE_CMDLINE,
      calls: [SETTLE, LVM],
      said: ['LVM: 1 logical volume(s) in volume group "vg0" now active'],
    },
    {
      name: 'honours rd.md=0',
      tools: ['lvm', 'mdadm'],
      cmdline: `${ACTIVE_CMDLINE} rd.md=0`,
      calls: [SETTLE, LVM],
      said: [
        'rd.md=0: not activating md RAID arrays',
        'LVM: 1 logical volume(s) in volume group "vg0" now active',
      ],
    },
    {
      name: 'honours rd.lvm=0',
      tools: ['lvm', 'mdadm'],
      cmdline: `${ACTIVE_CMDLINE} rd.lvm=0`,
      calls: [SETTLE, MD],
      said: ['no md arrays to assemble', 'rd.lvm=0: not activating LVM volume groups'],
    },
  ];
  it.each(valid)('$name', async ({tools, cmdline, calls, said}) => {
    const {sys, ctx} = run(tools, {cmdline});
    await activateDevices(ctx);
    expect(sys.calls).toEqual(calls);
    expect(infos(ctx).sort()).toEqual([...said].sort());
    expect(ctx.boot.failures).toEqual([]);
  });

  it('says when there is no volume group and reports what mdadm assembled', async () => {
    const {ctx} = run(['lvm', 'mdadm'], {
      script: (argv) =>
        argv[0] === 'mdadm'
          ? {exitCode: 0, stdout: '', stderr: 'mdadm: /dev/md/0 has been started with 2 drives.'}
          : undefined,
    });
    await activateDevices(ctx);
    expect(infos(ctx)).toEqual([
      'md arrays assembled: mdadm: /dev/md/0 has been started with 2 drives.',
      'no LVM volume groups to activate',
    ]);
  });

  const byUdev: Array<{name: string; udev: UdevDisks; calls: string[]; said: string[]}> = [
    {
      name: 'runs neither tool when udev found no physical volume and no array member',
      udev: {vda: [4096, ''], vda1: [2048, 'ext4'], vda2: [2048, 'crypto_LUKS'], loop0: [0, null]},
      calls: [SETTLE],
      said: [
        'no md RAID member on any disk (udev): no md RAID arrays to activate',
        'no LVM physical volume on any disk (udev): no LVM volume groups to activate',
      ],
    },
    {
      name: 'runs lvm alone for a physical volume',
      udev: {vda: [4096, ''], vda5: [2048, 'LVM2_member']},
      calls: [SETTLE, LVM],
      said: [
        'no md RAID member on any disk (udev): no md RAID arrays to activate',
        'LVM: 1 logical volume(s) in volume group "vg0" now active',
      ],
    },
    {
      name: 'runs mdadm alone for array members when it assembles nothing',
      udev: {vda1: [2048, 'linux_raid_member'], vdb1: [2048, 'linux_raid_member']},
      calls: [SETTLE, MD],
      said: [
        'no md arrays to assemble',
        'no LVM physical volume on any disk (udev): no LVM volume groups to activate',
      ],
    },
    {
      name: 'runs both tools when a sized device has no udev record (cannot tell)',
      udev: {vda1: [2048, 'ext4'], vdb: [2048, null]},
      calls: [SETTLE, MD, LVM],
      said: ['no md arrays to assemble', 'LVM: 1 logical volume(s) in volume group "vg0" now active'],
    },
  ];
  it.each(byUdev)('$name', async ({udev, calls, said}) => {
    const {sys, ctx} = run(['lvm', 'mdadm'], {udev});
    await activateDevices(ctx);
    expect(sys.calls).toEqual(calls);
    expect(infos(ctx)).toEqual(said);
  });

  // No udev database (no udevd, as in the bench and a namespace test): the disks' own signatures.
  const byDisks: Array<{
    name: string;
    members: Record<string, string | null>;
    calls: string[];
    said: string[];
  }> = [
    {
      name: 'runs neither tool when the disks carry no member signature',
      members: {vda: '', vda1: '', vda2: ''},
      calls: [SETTLE],
      said: [
        'no md RAID member on any disk (read from the disks): no md RAID arrays to activate',
        'no LVM physical volume on any disk (read from the disks): no LVM volume groups to activate',
      ],
    },
    {
      name: 'runs lvm alone for a physical volume label on a disk',
      members: {vda1: '', vdb: 'LVM2_member'},
      calls: [SETTLE, LVM],
      said: [
        'no md RAID member on any disk (read from the disks): no md RAID arrays to activate',
        'LVM: 1 logical volume(s) in volume group "vg0" now active',
      ],
    },
    {
      name: 'runs both tools when a disk could not be read',
      members: {vda1: '', vdb: null},
      calls: [SETTLE, MD, LVM],
      said: ['no md arrays to assemble', 'LVM: 1 logical volume(s) in volume group "vg0" now active'],
    },
  ];
  it.each(byDisks)('$name', async ({members, calls, said}) => {
    const {sys, ctx} = run(['lvm', 'mdadm'], {members});
    await activateDevices(ctx);
    expect(sys.calls).toEqual(calls);
    expect(infos(ctx)).toEqual(said);
    expect(sys.memberScans).toBe(1);
  });

  it('does not read the disks when udev answered', async () => {
    const {sys, ctx} = run(['lvm', 'mdadm'], {udev: {vda1: [2048, 'ext4']}, members: {vda1: 'LVM2_member'}});
    await activateDevices(ctx);
    expect(sys.calls).toEqual([SETTLE]);
    expect(sys.memberScans).toBe(0);
  });

  it('runs lvm after an array was assembled, though udev saw no physical volume before it', async () => {
    const {sys, ctx} = run(['lvm', 'mdadm'], {
      udev: {vda1: [2048, 'linux_raid_member'], vdb1: [2048, 'linux_raid_member']},
      script: (argv) =>
        argv[0] === 'mdadm'
          ? {exitCode: 0, stdout: '', stderr: 'mdadm: /dev/md/0 has been started with 2 drives.'}
          : TYPICAL(argv, {}),
    });
    await activateDevices(ctx);
    expect(sys.calls).toEqual([SETTLE, MD, LVM]);
  });

  it('starts no settle without udevd (no queue to wait for), and still runs both tools', async () => {
    const sys = new FakeSys({tools: ['lvm', 'mdadm'], run: TYPICAL, udev: 'absent'});
    const ctx = stepContext(sys, {cmdline: ACTIVE_CMDLINE, step: 'activate-devices'});
    await activateDevices(ctx);
    expect(sys.calls).toEqual([MD, LVM]);
  });

  it('activates what is there when udev does not settle in time', async () => {
    const {sys, ctx} = run(['lvm'], {
      script: (argv) => (argv[1] === 'settle' ? {exitCode: 1, stdout: '', stderr: ''} : undefined),
    });
    await activateDevices(ctx);
    expect(sys.calls).toEqual([SETTLE, LVM]);
    expect(ctx.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      "udev's queue did not empty within 60 s: activating what is there, ignoring.",
    ]);
  });

  const invalid = [
    {
      name: 'a failing vgchange degrades, naming the tool and its stderr; md still ran',
      script: ((argv) =>
        argv[0] === 'lvm'
          ? {exitCode: 5, stdout: '', stderr: 'Volume group "vg0" has insufficient free space'}
          : TYPICAL(argv, {})) as RunScript,
      error:
        /^Cannot activate LVM volume groups: lvm vgchange --activate y --sysinit exited 5: Volume group "vg0"/,
      failed: ['lvm'],
    },
    {
      name: 'an mdadm exit 1 that is not "nothing found" is a failure; LVM still ran',
      script: ((argv) =>
        argv[0] === 'mdadm'
          ? {exitCode: 1, stdout: '', stderr: 'mdadm: /dev/vdb1 is busy - skipping'}
          : TYPICAL(argv, {})) as RunScript,
      error: /^Cannot activate md RAID arrays: mdadm --assemble --scan exited 1: mdadm: \/dev\/vdb1 is busy/,
      failed: ['mdadm'],
    },
  ];
  it.each(invalid)('$name', async ({script, error, failed}) => {
    const {sys, ctx} = run(['lvm', 'mdadm'], {script});
    const err = await stepError(activateDevices(ctx));
    expect(err.message).toMatch(error);
    expect(err.hint).toMatch(/lvm vgchange -ay or mdadm --assemble --scan/);
    expect(sys.calls).toEqual([SETTLE, MD, LVM]);
    expect(ctx.boot.failures.map((f) => f.item)).toEqual(failed);
  });
});

describe('shouldActivateDevices', () => {
  const cases = [
    {name: 'runs by default', cmdline: ACTIVE_CMDLINE, want: true},
    {name: 'runs with only LVM off', cmdline: `${ACTIVE_CMDLINE} rd.lvm=0`, want: true},
    {
      name: 'is skipped with both off',
      cmdline: `${ACTIVE_CMDLINE} rd.lvm=0 rd.md=no`,
      want: 'rd.lvm=0 and rd.md=0 on the command line',
    },
  ];
  it.each(cases)('$name', ({cmdline, want}) => {
    expect(shouldActivateDevices(stepContext(new FakeSys(), {cmdline}))).toBe(want);
  });
});
