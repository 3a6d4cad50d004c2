import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../../test/fakes/fake-sys.ts';
import {stepEnv} from '../../../test/fakes/stage-context.ts';
import type {UserSpec} from '../types.ts';
import {emptyStep} from '../validate-step.ts';
import {
  mergeAuthorizedKeys,
  parsePasswd,
  useraddArgs,
  usermodArgs,
  writeAuthorizedKeys,
  writeUsers,
} from './users.ts';

const user = (u: Partial<UserSpec>): UserSpec => ({
  name: 'kairos',
  groups: [],
  sshAuthorizedKeys: [],
  noCreateHome: false,
  system: false,
  lockPasswd: false,
  ...u,
});

describe('useraddArgs', () => {
  const cases = [
    {name: 'a plain user gets a home', u: user({}), want: ['useradd', '-m', '--', 'kairos']},
    {
      name: 'every field',
      u: user({
        uid: '1000',
        primaryGroup: 'users',
        groups: ['admin', 'wheel'],
        homedir: '/home/k',
        shell: '/bin/bash',
        gecos: 'K',
        system: true,
        noCreateHome: true,
      }),
      want: [
        'useradd',
        '-u',
        '1000',
        '-g',
        'users',
        '-G',
        'admin,wheel',
        '-d',
        '/home/k',
        '-s',
        '/bin/bash',
        '-c',
        'K',
        '-r',
        '-M',
        '--',
        'kairos',
      ],
    },
  ];
  it.each(cases)('$name', ({u, want}) => {
    expect(useraddArgs(u)).toEqual(want);
  });
  it('an existing user gets groups appended, shell and comment set', () => {
    expect(usermodArgs(user({groups: ['admin'], shell: '/bin/sh'}))).toEqual([
      'usermod',
      '-a',
      '-G',
      'admin',
      '-s',
      '/bin/sh',
      '--',
      'kairos',
    ]);
  });
});

describe('parsePasswd', () => {
  it('reads name, uid, gid and home; skips malformed lines', () => {
    const m = parsePasswd(
      'root:x:0:0:root:/root:/bin/sh\nbad line\nkairos:x:1000:1001::/home/kairos:/bin/bash\n',
    );
    expect([...m.values()]).toEqual([
      {name: 'root', uid: 0, gid: 0, home: '/root'},
      {name: 'kairos', uid: 1000, gid: 1001, home: '/home/kairos'},
    ]);
  });
});

describe('mergeAuthorizedKeys', () => {
  it('appends only keys not yet there, once each', () => {
    expect(mergeAuthorizedKeys('ssh-rsa A', ['ssh-rsa A', 'ssh-ed25519 B', 'ssh-ed25519 B'])).toBe(
      'ssh-rsa A\nssh-ed25519 B\n',
    );
    expect(mergeAuthorizedKeys('', ['k'])).toBe('k\n');
    expect(mergeAuthorizedKeys('k\n', ['k'])).toBe('k\n');
  });
});

describe('writeUsers', () => {
  it('creates a missing user with the view own tools, sets the hash, writes the keys', async () => {
    const sys = new FakeSys({
      run: (argv) => {
        if (argv.includes('useradd'))
          sys.files.set('/sysroot/etc/passwd', {text: 'kairos:x:1000:1000::/home/kairos:/bin/sh\n'});
        return undefined;
      },
    }).with({'/sysroot/etc/passwd': 'root:x:0:0::/root:/bin/sh\n'});
    const env = stepEnv(sys, '/sysroot');
    await writeUsers(env, [
      user({passwd: '$6$hash', lockPasswd: true, sshAuthorizedKeys: ['ssh-ed25519 K']}),
    ]);
    expect(sys.runs).toEqual([
      ['chroot', '/sysroot', 'useradd', '-m', '--', 'kairos'],
      ['chroot', '/sysroot', 'usermod', '-p', '$6$hash', '--', 'kairos'],
      ['chroot', '/sysroot', 'usermod', '-L', '--', 'kairos'],
      ['chmod', '0700', '/sysroot/home/kairos/.ssh'],
      ['chown', '-R', '1000:1000', '/sysroot/home/kairos/.ssh'],
    ]);
    expect(sys.files.get('/sysroot/home/kairos/.ssh/authorized_keys')).toEqual({
      text: 'ssh-ed25519 K\n',
      mode: 0o600,
    });
  });

  it('updates an existing user instead of creating it', async () => {
    const sys = new FakeSys().with({'/etc/passwd': 'kairos:x:1000:1000::/home/kairos:/bin/sh\n'});
    await writeUsers(stepEnv(sys), [user({groups: ['admin']})]);
    expect(sys.runs).toEqual([['usermod', '-a', '-G', 'admin', '--', 'kairos']]);
  });

  it('authorized_keys for a user that does not exist fails, naming the user', async () => {
    const sys = new FakeSys().with({'/etc/passwd': ''});
    await expect(writeAuthorizedKeys(stepEnv(sys), [['nobody', ['k']]])).rejects.toThrow(
      /authorized keys for nobody: no such user/,
    );
  });

  it('emptyStep has no users', () => {
    expect(emptyStep().users).toEqual([]);
  });
});
