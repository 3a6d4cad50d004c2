import {describe, expect, it} from 'vitest';
import type {MountSpec} from '../boot/mount-spec.ts';
import {
  blkidProbeArgs,
  e2fsckArgs,
  fsckOutcome,
  losetupArgs,
  lvmActivateArgs,
  mdadmAssembleArgs,
  mdadmAssembleOutcome,
  mountArgs,
  notifyArgs,
  terminalShellArgs,
  udevadmSettleArgs,
  udevadmTriggerChangeArgs,
  umountArgs,
  waitKeyArgs,
} from './argv.ts';
import {cpArgs} from './copy-up.ts';
import type {FsckOptions} from './sys.ts';

describe('mountArgs', () => {
  const cases: Array<{name: string; spec: MountSpec; want: string[]}> = [
    {
      name: 'an ext4 device read-only',
      spec: {source: '/dev/loop3', target: '/sysroot', fstype: 'ext4', options: ['ro']},
      want: ['mount', '-t', 'ext4', '-o', 'ro', '/dev/loop3', '/sysroot'],
    },
    {
      name: 'an overlay joins its options with commas',
      spec: {
        source: 'overlay',
        target: '/sysroot/etc',
        fstype: 'overlay',
        options: ['lowerdir=/sysroot/etc', 'upperdir=/run/overlay/etc/.overlay/upper', 'workdir=/w'],
      },
      want: [
        'mount',
        '-t',
        'overlay',
        '-o',
        'lowerdir=/sysroot/etc,upperdir=/run/overlay/etc/.overlay/upper,workdir=/w',
        'overlay',
        '/sysroot/etc',
      ],
    },
    {
      name: 'a bind has no type',
      spec: {source: '/a', target: '/b', fstype: 'none', options: ['bind']},
      want: ['mount', '-o', 'bind', '/a', '/b'],
    },
    {
      name: 'auto lets mount detect the type',
      spec: {source: '/dev/sdb1', target: '/mnt', fstype: 'auto', options: []},
      want: ['mount', '/dev/sdb1', '/mnt'],
    },
    {
      name: 'tmpfs with a size',
      spec: {source: 'tmpfs', target: '/run/overlay', fstype: 'tmpfs', options: ['size=20%']},
      want: ['mount', '-t', 'tmpfs', '-o', 'size=20%', 'tmpfs', '/run/overlay'],
    },
    {
      name: 'a path with a space stays one argument',
      spec: {source: '/a b', target: '/c d', fstype: 'none', options: ['bind']},
      want: ['mount', '-o', 'bind', '/a b', '/c d'],
    },
  ];
  it.each(cases)('$name', ({spec, want}) => expect(mountArgs(spec)).toEqual(want));
});

describe('umountArgs', () => {
  const cases = [
    {name: 'plain', opts: {}, want: ['umount', '/sysroot']},
    {name: 'lazy', opts: {lazy: true}, want: ['umount', '-l', '/sysroot']},
    {
      name: 'recursive and lazy',
      opts: {lazy: true, recursive: true},
      want: ['umount', '-l', '-R', '/sysroot'],
    },
  ];
  it.each(cases)('$name', ({opts, want}) => expect(umountArgs('/sysroot', opts)).toEqual(want));
});

describe('losetupArgs', () => {
  const cases = [
    {
      name: 'read-only',
      opts: {readOnly: true},
      want: ['losetup', '--find', '--show', '--read-only', '/i.img'],
    },
    {name: 'read-write', opts: {readOnly: false}, want: ['losetup', '--find', '--show', '/i.img']},
    {
      name: 'with partitions',
      opts: {readOnly: true, partscan: true},
      want: ['losetup', '--find', '--show', '--read-only', '--partscan', '/i.img'],
    },
  ];
  it.each(cases)('$name', ({opts, want}) => expect(losetupArgs('/i.img', opts)).toEqual(want));
});

describe('e2fsckArgs', () => {
  const cases: Array<{name: string; opts: FsckOptions; want: string[] | undefined}> = [
    {name: 'auto preen', opts: {mode: 'auto', repair: 'preen'}, want: ['e2fsck', '-p', '/dev/sda2']},
    {name: 'auto yes', opts: {mode: 'auto', repair: 'yes'}, want: ['e2fsck', '-y', '/dev/sda2']},
    {name: 'auto no', opts: {mode: 'auto', repair: 'no'}, want: ['e2fsck', '-n', '/dev/sda2']},
    {
      name: 'force adds -f',
      opts: {mode: 'force', repair: 'preen'},
      want: ['e2fsck', '-p', '-f', '/dev/sda2'],
    },
    {
      name: 'force with no repair',
      opts: {mode: 'force', repair: 'no'},
      want: ['e2fsck', '-n', '-f', '/dev/sda2'],
    },
    {name: 'skip runs nothing', opts: {mode: 'skip', repair: 'yes'}, want: undefined},
  ];
  it.each(cases)('$name', ({opts, want}) => expect(e2fsckArgs('/dev/sda2', opts)).toEqual(want));
});

describe('fsckOutcome', () => {
  const cases = [
    {code: 0, want: 'clean'},
    {code: 1, want: 'repaired'},
    {code: 2, want: 'reboot-advised'},
    {code: 4, want: undefined},
    {code: 8, want: undefined},
  ];
  it.each(cases)('exit $code is $want', ({code, want}) => expect(fsckOutcome(code)).toBe(want));
});

describe('blkidProbeArgs', () => {
  it('probes the device, never the cache', () => {
    expect(blkidProbeArgs('/dev/sda1')).toEqual(['blkid', '-p', '-o', 'export', '/dev/sda1']);
  });
});

describe('cpArgs', () => {
  const cases = [
    {
      name: 'a first seed copies the directory itself, into a staging dir',
      job: {whole: {from: '/sysroot/etc', to: '/s/.immucore/etc.bind.staging'}},
      want: ['cp', '-a', '-T', '--', '/sysroot/etc', '/s/.immucore/etc.bind.staging'],
    },
    {
      name: 'a later seed names the entries, parents recreated, odd names after --',
      job: {entries: ['ssh/new', '-odd'], to: '/s/.immucore/etc.bind.staging'},
      want: ['cp', '-a', '--parents', '-t', '/s/.immucore/etc.bind.staging', '--', 'ssh/new', '-odd'],
    },
  ];
  it.each(cases)('$name', ({job, want}) => expect(cpArgs(job)).toEqual(want));
});

describe('device activation and udev argv', () => {
  const cases = [
    {
      name: 'udevadm settle, bounded',
      argv: udevadmSettleArgs(60),
      want: ['udevadm', 'settle', '--timeout=60'],
    },
    {
      name: 'a change event for one device',
      argv: udevadmTriggerChangeArgs('/dev/loop0'),
      want: ['udevadm', 'trigger', '--action=change', '/dev/loop0'],
    },
    {
      name: "every LVM volume group, as dracut's lvm_scan",
      argv: lvmActivateArgs(),
      want: ['lvm', 'vgchange', '--activate', 'y', '--sysinit'],
    },
    {name: 'every md array found', argv: mdadmAssembleArgs(), want: ['mdadm', '--assemble', '--scan']},
  ];
  it.each(cases)('$name', ({argv, want}) => expect(argv).toEqual(want));
});

describe('mdadmAssembleOutcome', () => {
  const cases = [
    {
      name: 'exit 0 assembled something',
      exitCode: 0,
      stderr: 'mdadm: /dev/md/0 has been started',
      want: 'assembled',
    },
    {
      name: 'exit 1 with nothing found is none',
      exitCode: 1,
      stderr: 'mdadm: No arrays found in config file or automatically',
      want: 'none',
    },
    {
      name: 'another exit 1 is a failure',
      exitCode: 1,
      stderr: 'mdadm: /dev/sdb1 is busy - skipping',
      want: undefined,
    },
    {name: 'exit 2 is a failure', exitCode: 2, stderr: 'mdadm: No arrays found', want: undefined},
  ];
  it.each(cases)('$name', ({exitCode, stderr, want}) =>
    expect(mdadmAssembleOutcome(exitCode, stderr)).toBe(want),
  );
});

describe('terminalShellArgs', () => {
  it('gives the shell the terminal as fds 0-2 and as controlling tty, in its own session', () => {
    expect(terminalShellArgs('/dev/console')).toEqual([
      'sh',
      '-c',
      'exec setsid -c -w sh -i <>"$1" >&0 2>&1',
      'sh',
      '/dev/console',
    ]);
  });
});

describe('waitKeyArgs', () => {
  it('reads one byte, any key, from the terminal passed as $1 (never spliced into the script)', () => {
    const [sh, c, script = '', name, terminal, prompt] = waitKeyArgs('/dev/tty1', 'press a key\r\n');
    expect([sh, c, name, terminal, prompt]).toEqual(['sh', '-c', 'sh', '/dev/tty1', 'press a key\r\n']);
    expect(script).toMatch(/^exec <>"\$1" && /);
    expect(script).toContain('stty -icanon -echo min 1 time 0');
    // The prompt comes once the terminal is open and raw, before the read.
    expect(script.indexOf('printf %s "$2"')).toBeGreaterThan(script.indexOf('stty -icanon'));
    expect(script.indexOf('printf %s "$2"')).toBeLessThan(script.indexOf('dd bs=1 count=1'));
    expect(script).not.toContain('/dev/tty1');
  });
});

describe('notifyArgs', () => {
  it.each<{fields: Record<string, string>; want: string[]}>([
    {fields: {EXTEND_TIMEOUT_USEC: '600000000'}, want: ['systemd-notify', 'EXTEND_TIMEOUT_USEC=600000000']},
    {
      fields: {EXTEND_TIMEOUT_USEC: '1', STATUS: 'a b'},
      want: ['systemd-notify', 'EXTEND_TIMEOUT_USEC=1', 'STATUS=a b'],
    },
  ])('$want', ({fields, want}) => expect(notifyArgs(fields)).toEqual(want));
});
