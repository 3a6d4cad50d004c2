import {describe, expect, it} from 'vitest';
import {parseCloudConfig} from './parse-config.ts';
import type {StageStep} from './types.ts';

const FILE = '/oem/90_custom.yaml';

/** The steps of `part` in a config text. */
function stepsOf(text: string, part = 'rootfs'): StageStep[] {
  return (parseCloudConfig(text, FILE).stages.get(part) ?? []).map((s) => s.step);
}

function oneStep(body: string, part = 'rootfs'): StageStep {
  const [step] = stepsOf(`stages:\n  ${part}:\n    - ${body.trim().split('\n').join('\n      ')}\n`, part);
  if (!step) throw new Error('no step parsed');
  return step;
}

describe('readStep', () => {
  const valid: Array<{name: string; body: string; want: Partial<StageStep>}> = [
    {
      name: 'name and if are strings',
      body: 'name: layout\nif: "[ -e /run/cos/active_mode ]"',
      want: {name: 'layout', if: '[ -e /run/cos/active_mode ]'},
    },
    {
      name: 'commands keep order',
      body: 'commands: ["echo a", "echo b"]',
      want: {commands: ['echo a', 'echo b']},
    },
    {
      name: 'a block command stays one string',
      body: 'commands:\n  - |\n    echo a\n    echo b',
      want: {commands: ['echo a\necho b\n']},
    },
    {
      name: 'files with YAML 1.1 octal permissions, owner and group',
      body: 'files:\n  - path: /etc/motd\n    content: hi\n    permissions: 0600\n    owner: 1000\n    group: 100',
      want: {files: [{path: '/etc/motd', content: 'hi', encoding: '', mode: 0o600, owner: 1000, group: 100}]},
    },
    {
      name: 'a file without permissions gets 0644, owned by root',
      body: 'files: [{path: /etc/a}]',
      want: {files: [{path: '/etc/a', content: '', encoding: '', mode: 0o644, owner: 0, group: 0}]},
    },
    {
      name: 'decimal 420 is mode 0644',
      body: 'files: [{path: /a, permissions: 420}]',
      want: {files: [expect.objectContaining({mode: 0o644})]},
    },
    {
      name: 'a quoted "0755" is octal',
      body: 'directories: [{path: /a, permissions: "0755"}]',
      want: {directories: [{path: '/a', mode: 0o755, owner: 0, group: 0}]},
    },
    {
      name: 'directories default to 0755',
      body: 'directories: [{path: /var/lib/x}]',
      want: {directories: [{path: '/var/lib/x', mode: 0o755, owner: 0, group: 0}]},
    },
    {
      name: 'base64 content keeps its encoding',
      body: 'files: [{path: /a, content: aGk=, encoding: base64}]',
      want: {files: [expect.objectContaining({encoding: 'base64', content: 'aGk='})]},
    },
    {
      name: 'environment values keep the text as written (1:20 is not sexagesimal, no is not false)',
      body: 'environment_file: /run/cos/cos-layout.env\nenvironment:\n  VOLUMES: LABEL=COS_PERSISTENT:/usr/local\n  A: 1:20\n  B: no\n  C: 0644',
      want: {
        environmentFile: '/run/cos/cos-layout.env',
        environment: [
          ['VOLUMES', 'LABEL=COS_PERSISTENT:/usr/local'],
          ['A', '1:20'],
          ['B', 'no'],
          ['C', '0644'],
        ],
      },
    },
    {name: 'hostname: a number stays its text', body: 'hostname: 0123', want: {hostname: '0123'}},
    {
      name: 'systemctl lists',
      body: 'systemctl:\n  enable: [a.service]\n  disable: [b.service]\n  mask: [c.service]\n  start: [d.service]',
      want: {
        systemctl: {
          enable: ['a.service'],
          disable: ['b.service'],
          mask: ['c.service'],
          start: ['d.service'],
          overrides: [],
        },
      },
    },
    {
      name: 'sysctl values are strings, nested keys joined',
      body: 'sysctl:\n  vm.swappiness: 10\n  net:\n    ipv4.ip_forward: 1',
      want: {
        sysctl: [
          ['vm.swappiness', '10'],
          ['net.ipv4.ip_forward', '1'],
        ],
      },
    },
    {name: 'modules', body: 'modules: [overlay, br_netfilter]', want: {modules: ['overlay', 'br_netfilter']}},
    {
      name: 'users, with yes/no booleans and a numeric uid',
      body: 'users:\n  kairos:\n    passwd: $6$x\n    uid: 1000\n    groups: [admin]\n    lock_passwd: yes\n    no_create_home: no\n    ssh_authorized_keys: ["ssh-ed25519 AAA"]',
      want: {
        users: [
          {
            name: 'kairos',
            passwd: '$6$x',
            uid: '1000',
            groups: ['admin'],
            lockPasswd: true,
            noCreateHome: false,
            system: false,
            sshAuthorizedKeys: ['ssh-ed25519 AAA'],
          },
        ],
      },
    },
    {
      name: 'authorized_keys by user',
      body: 'authorized_keys:\n  root: ["ssh-rsa K"]',
      want: {authorizedKeys: [['root', ['ssh-rsa K']]]},
    },
    {name: 'timeout in seconds', body: 'timeout: 5', want: {timeoutSec: 5}},
    {name: 'timeout with a unit', body: 'timeout: "2m"', want: {timeoutSec: 120}},
    {name: 'the default timeout is 60 s', body: 'name: x', want: {timeoutSec: 60}},
    {
      name: 'a YAML anchor and merge key are followed',
      body: 'name: x\n<<: {commands: ["echo merged"]}',
      want: {commands: ['echo merged']},
    },
    {
      name: 'a single command string is taken as a list',
      body: 'commands: echo hi',
      want: {commands: ['echo hi'], errors: []},
    },
    {
      name: 'after in yip form and as plain names',
      body: 'after: [{name: "/oem/10_a.yaml.one"}, two]',
      want: {after: ['/oem/10_a.yaml.one', 'two']},
    },
    {
      name: "Kairos' layout: grow the disk of COS_PERSISTENT to its end",
      body: 'layout:\n  device: {label: COS_PERSISTENT}\n  expand_partition: {size: 0}',
      want: {layout: {device: {label: 'COS_PERSISTENT'}, expand: {sizeMiB: 0}, add: []}},
    },
    {
      name: 'layout add_partitions, filesystem ext2 by default (as yip)',
      body: 'layout:\n  device: {path: /dev/vda}\n  add_partitions:\n    - {fsLabel: DATA, size: 100}\n    - {pLabel: efi, size: 32, filesystem: vfat, bootable: true}',
      want: {
        layout: {
          device: {path: '/dev/vda'},
          add: [
            {fsLabel: 'DATA', sizeMiB: 100, filesystem: 'ext2', bootable: false},
            {pLabel: 'efi', sizeMiB: 32, filesystem: 'vfat', bootable: true},
          ],
        },
      },
    },
    {
      name: 'datasource: local providers kept, network ones set aside, yip defaults',
      body: 'datasource: {providers: [aws, cdrom, config-drive, cdrom]}',
      want: {
        datasource: {
          providers: ['cdrom', 'config-drive'],
          skipped: ['aws'],
          path: '/run/config',
          userdataName: 'userdata.yaml',
        },
      },
    },
    {
      name: 'datasource path and userdata_name',
      body: 'datasource: {providers: [cdrom], path: /oem, userdata_name: 95_userdata.yaml}',
      want: {datasource: {providers: ['cdrom'], skipped: [], path: '/oem', userdataName: '95_userdata.yaml'}},
    },
    {
      name: 'an empty directive is nothing',
      body: 'commands:\nfiles: ~',
      want: {commands: [], files: [], errors: []},
    },
  ];
  it.each(valid)('$name', ({body, want}) => {
    const step = oneStep(body);
    expect(step.errors).toEqual([]);
    expect(step).toMatchObject(want);
  });

  it('a layout without expand_partition or add_partitions does nothing', () => {
    const step = oneStep('layout: {device: {label: COS_PERSISTENT}}');
    expect(step.errors).toEqual([]);
    expect(step.layout).toBeUndefined();
  });

  it('warns when permissions: 644 is decimal and takes it as octal', () => {
    const step = oneStep('files: [{path: /a, permissions: 644}]');
    expect(step.files[0]?.mode).toBe(0o644);
    expect(step.warnings[0]?.message).toMatch(
      /90_custom\.yaml:3:\d+: .*permissions 644 is a decimal number; taking it as octal 0644/,
    );
    expect(step.warnings[0]?.hint).toMatch(/0644/);
  });

  it('lists unsupported directives by name and reads conditions as conditions', () => {
    const step = oneStep(
      'dns: {nameservers: [1.1.1.1]}\ncomands: [x]\nonly_arch: arm64\nsystemctl: {overrides: []}',
    );
    expect(step.unsupported).toEqual(['comands']);
    expect(step.dns?.nameservers).toEqual(['1.1.1.1']);
    expect(step.conditions).toEqual({onlyArch: 'arm64'});
    expect(step.errors).toEqual([]);
  });

  it('reads every yip condition', () => {
    const step = oneStep(
      'node: "^kairos-"\nonly_os: "Ubuntu.*|Debian.*"\nonly_os_version: "^12"\nonly_service_manager: systemd\nif_files: {all: [/etc/a], none: [/etc/b]}',
    );
    expect(step.errors).toEqual([]);
    expect(step.unsupported).toEqual([]);
    expect(step.conditions).toEqual({
      node: '^kairos-',
      onlyOs: 'Ubuntu.*|Debian.*',
      onlyOsVersion: '^12',
      onlyServiceManager: 'systemd',
      ifFiles: {all: ['/etc/a'], any: [], none: ['/etc/b']},
    });
  });

  it('refuses a condition that is not a regular expression, with the fix', () => {
    const step = oneStep('only_os: "Debian(("');
    expect(step.errors[0]?.message).toMatch(/only_os "Debian\(\(" is not a regular expression/);
    expect(step.errors[0]?.hint).toMatch(/only_os: "Debian\.\*"/);
  });

  const badSteps: Array<{name: string; body: string; error: RegExp; hint: RegExp}> = [
    {
      name: 'a step that is a string',
      body: '"echo hi"',
      error: /:3:7: stages\.rootfs\[0\] is the string "echo hi", not a step/,
      hint: /mapping/,
    },
    {
      name: 'commands as a mapping',
      body: 'commands: {a: b}',
      error: /stages\.rootfs\[0\]\.commands is a mapping, not a list of strings/,
      hint: /as a list/,
    },
    {
      name: 'a command that is a mapping',
      body: 'commands: [{a: b}]',
      error: /commands\[0\] is a mapping, not a string/,
      hint: /quoted string/,
    },
    {
      name: 'permissions that are not a mode',
      body: 'files: [{path: /a, permissions: rw}]',
      error: /files\[0\]\.permissions "rw" is not a file mode/,
      hint: /0644/,
    },
    {
      name: 'permissions above 07777',
      body: 'files: [{path: /a, permissions: 99999}]',
      error: /"99999" is not a file mode/,
      hint: /0644/,
    },
    {
      name: 'a file without a path',
      body: 'files: [{content: x}]',
      error: /files\[0\]\.path is missing/,
      hint: /path/,
    },
    {
      name: 'a relative path',
      body: 'directories: [{path: var/x}]',
      error: /"var\/x" is not an absolute path/,
      hint: /\/var\/x/,
    },
    {
      name: 'an owner that is a name',
      body: 'files: [{path: /a, owner: root}]',
      error: /owner "root" is not a whole number/,
      hint: /numeric id/,
    },
    {
      name: 'an unknown encoding',
      body: 'files: [{path: /a, encoding: rot13}]',
      error: /"rot13" is not an encoding/,
      hint: /base64/,
    },
    {
      name: 'an environment key with a dash',
      body: 'environment: {MY-VAR: x}',
      error: /environment\.MY-VAR is not a variable name/,
      hint: /letters/,
    },
    {
      name: 'environment as a list',
      body: 'environment: [A=b]',
      error: /environment is a list, not a mapping/,
      hint: /mapping/,
    },
    {
      name: 'a boolean that is not one',
      body: 'users: {a: {system: maybe}}',
      error: /users\.a\.system "maybe" is not a boolean/,
      hint: /true/,
    },
    {
      name: 'a uid that is a name',
      body: 'users: {a: {uid: abc}}',
      error: /uid "abc" is not a numeric uid/,
      hint: /1000/,
    },
    {name: 'a timeout of zero', body: 'timeout: 0', error: /timeout "0" is not a duration/, hint: /seconds/},
    {
      name: 'a host name with a space',
      body: 'hostname: "my host"',
      error: /hostname "my host" is not a host name/,
      hint: /node-1/,
    },
    {name: 'if as a list', body: 'if: [a]', error: /\.if is a list, not a string/, hint: /string/},
    // Found by `npm run fuzz`: the problem said "not a string" of a key the text lacks.
    {
      name: 'an after entry without a name',
      body: 'after: [{}]',
      error: /after\[0\]\.name is missing/,
      hint: /name: <file>/,
    },
    {
      name: 'layout init_disk',
      body: 'layout: {device: {path: /dev/vdb, init_disk: true}}',
      error: /init_disk is not supported: immucore never writes a new partition table/,
      hint: /install/,
    },
    {
      // Found by `npm run fuzz` (seed 2102735982): the problem named a key the text lacks.
      name: 'layout without a device',
      body: 'layout: {expand_partition: {size: 0}}',
      error: /layout\.device is missing/,
      hint: /device\.label/,
    },
    {
      name: 'layout whose device names no disk',
      body: 'layout: {device: {disk_name: x}}',
      error: /layout\.device names no disk/,
      hint: /device\.label/,
    },
    {
      name: 'layout with an unknown filesystem',
      body: 'layout: {device: {label: X}, add_partitions: [{fsLabel: A, filesystem: zfs}]}',
      error: /"zfs" is not a filesystem yip knows/,
      hint: /ext4/,
    },
    {
      name: 'an xfs label longer than 12',
      body: 'layout: {device: {label: X}, add_partitions: [{fsLabel: ABCDEFGHIJKLM, filesystem: xfs}]}',
      error: /longer than the 12 characters/,
      hint: /Shorten/,
    },
    {
      name: 'layout with a negative size',
      body: 'layout: {device: {label: X}, expand_partition: {size: -1}}',
      error: /size/,
      hint: /./,
    },
    {
      name: 'a bad sysctl key',
      body: 'sysctl: {"../x": 1}',
      error: /is not a sysctl key/,
      hint: /vm\.swappiness/,
    },
  ];
  it.each(badSteps)('a step with $name is kept but marked not to run', ({body, error, hint}) => {
    const step = oneStep(body);
    expect(step.errors.length).toBeGreaterThan(0);
    expect(step.errors[0]?.message).toMatch(error);
    expect(step.errors[0]?.message).toMatch(/^\/oem\/90_custom\.yaml:\d+:\d+: /);
    expect(step.errors[0]?.hint).toMatch(hint);
  });

  it('an unknown field in a file entry is a warning, not an error', () => {
    const step = oneStep('files: [{path: /a, contents: x}]');
    expect(step.errors).toEqual([]);
    expect(step.warnings[0]?.message).toMatch(/files\[0\]\.contents is not a known field, ignoring it/);
  });
});
