// Paths under /sysroot resolved inside it before anything is mounted or created there, on the fake.
import {describe, expect, it, vi} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext, stepError} from '../../test/fakes/step-context.ts';
import type {Confine} from './in-sysroot.ts';
import {orderByResolvedTarget, resolveInSysroot, resolveMountSpec} from './in-sysroot.ts';
import {mountPlain} from './mounting.ts';

const STATE = '/sysroot/usr/local/.state';

/** A root image and a persistent volume, with the links images carry and a few hostile ones. */
async function machine(): Promise<FakeSys> {
  const sys = new FakeSys({
    files: {
      '/sysroot/run/.keep': '',
      '/sysroot/var/lib/ca-certificates/pem/ca.pem': 'pem',
      [`${STATE}/etc-ssh.bind/sshd_config`]: 'Port 22',
      '/sysroot/etc/.keep': '',
    },
  });
  const links: Array<[string, string]> = [
    ['/sysroot/var/run', '/run'],
    ['/sysroot/etc/ssl', '/var/lib/ca-certificates'],
    ['/sysroot/etc/escape', '../../../../outside'],
    ['/sysroot/etc/slash', '/'],
    [`${STATE}/home.bind`, '/etc'],
    [`${STATE}/root.bind`, '../../../../../../outside'],
    [`${STATE}/opt.bind`, 'etc-ssh.bind'],
  ];
  for (const [at, target] of links) await sys.symlink(target, at);
  return sys;
}

const within: Confine = {
  path: STATE,
  name: 'the persistent state target /usr/local/.state',
  hint: (link) => `move ${link} aside`,
};

describe('resolveInSysroot', () => {
  const valid = [
    {name: 'a path with no link is itself', p: '/sysroot/etc/ssh', want: '/sysroot/etc/ssh'},
    {name: 'a path outside /sysroot is not touched', p: '/run/overlay/etc', want: '/run/overlay/etc'},
    {name: 'an absolute link in the image stays in /sysroot', p: '/sysroot/var/run', want: '/sysroot/run'},
    {
      name: 'a link to a dir of the image leads there',
      p: '/sysroot/etc/ssl/pem',
      want: '/sysroot/var/lib/ca-certificates/pem',
    },
    {
      name: 'a state dir linked to another state dir stays in the state target',
      p: `${STATE}/opt.bind`,
      within,
      want: `${STATE}/etc-ssh.bind`,
    },
  ];
  it.each(valid)('$name', async ({p, want, ...opts}) => {
    const ctx = stepContext(await machine());
    expect(await resolveInSysroot(ctx, p, opts)).toBe(want);
  });

  it('logs where a link led', async () => {
    const ctx = stepContext(await machine());
    await resolveInSysroot(ctx, '/sysroot/var/run');
    expect(ctx.log.lines.map((l) => l.msg)).toEqual([
      '/var/run leads to /run (/var/run is a symlink to /run)',
    ]);
  });

  const invalid = [
    {
      name: 'a link in the image that climbs above /',
      p: '/sysroot/etc/escape/x',
      what: 'Persistent path /etc/escape/x',
      error:
        'Persistent path /etc/escape/x leads out of the root: /etc/escape is a symlink to ../../../../outside, which climbs above /',
      hint: /^Point \/etc\/escape at a path inside the image .*take \/etc\/escape\/x out of the layout/,
    },
    {
      name: 'a link to / itself',
      p: '/sysroot/etc/slash',
      what: 'RW path /etc/slash',
      error: 'RW path /etc/slash leads to / itself: /etc/slash is a symlink to /',
      hint: /Point \/etc\/slash at a directory/,
    },
    {
      name: 'a state dir linked into the image',
      p: `${STATE}/home.bind`,
      what: 'The state dir of persistent path /home',
      within,
      error:
        'The state dir of persistent path /home leads to /etc, out of the persistent state target /usr/local/.state: /usr/local/.state/home.bind is a symlink to /etc',
      hint: /^move \/usr\/local\/.state\/home.bind aside$/,
    },
    {
      name: 'a state dir linked above the root',
      p: `${STATE}/root.bind`,
      what: 'The state dir of persistent path /root',
      within,
      error:
        'The state dir of persistent path /root leads out of the root: /usr/local/.state/root.bind is a symlink to ../../../../../../outside, which climbs above /',
      hint: /^move \/usr\/local\/.state\/root.bind aside$/,
    },
  ];
  it.each(invalid)('$name', async ({p, error, hint, ...opts}) => {
    const sys = await machine();
    const err = await stepError(resolveInSysroot(stepContext(sys), p, opts));
    expect(err.message).toBe(error);
    expect(err.hint).toMatch(hint);
  });
});

describe('resolveMountSpec', () => {
  it('resolves the target, a bind source and overlay dirs under /sysroot, nothing else', async () => {
    const ctx = stepContext(await machine());
    expect(
      await resolveMountSpec(ctx, {
        source: `${STATE}/opt.bind`,
        target: '/sysroot/var/run',
        fstype: 'none',
        options: ['bind'],
      }),
    ).toEqual({source: `${STATE}/etc-ssh.bind`, target: '/sysroot/run', fstype: 'none', options: ['bind']});
    expect(
      await resolveMountSpec(ctx, {
        source: 'overlay',
        target: '/sysroot/var/run',
        fstype: 'overlay',
        options: ['lowerdir=/sysroot/var/run', 'upperdir=/run/overlay/u', 'workdir=/run/overlay/w', 'ro'],
      }),
    ).toEqual({
      source: 'overlay',
      target: '/sysroot/run',
      fstype: 'overlay',
      options: ['lowerdir=/sysroot/run', 'upperdir=/run/overlay/u', 'workdir=/run/overlay/w', 'ro'],
    });
  });
});

describe('orderByResolvedTarget', () => {
  it('mounts a path a link leads below another after that one', async () => {
    const ctx = stepContext(await machine());
    const items = ['/sysroot/etc/ssl/pem', '/sysroot/var/lib/ca-certificates', '/sysroot/etc/escape'].map(
      (target) => ({target}),
    );
    expect((await orderByResolvedTarget(ctx, items)).map((i) => i.target)).toEqual([
      '/sysroot/etc/escape',
      '/sysroot/var/lib/ca-certificates',
      '/sysroot/etc/ssl/pem',
    ]);
  });
});

describe('resolutions a step keeps', () => {
  // What a bind brings in: the state dir bound on /sysroot/etc/app carries data → /var/lib/appdata.
  // The fake's bind does not show the source's entries at the target, so the link is laid directly.
  const bind = (source: string, target: string) => ({source, target, fstype: 'none', options: ['bind']});

  it('follows a link a mount brought in on a parent: the mount forgets what lay below it', async () => {
    const sys = await machine();
    await sys.mkdirp('/sysroot/etc/app', '/sysroot/var/lib/appdata', `${STATE}/etc-app.bind`);
    const ctx = stepContext(sys);
    expect(await resolveInSysroot(ctx, '/sysroot/etc/app/data')).toBe('/sysroot/etc/app/data');
    await sys.symlink('/var/lib/appdata', '/sysroot/etc/app/data');
    await mountPlain(ctx, bind(`${STATE}/etc-app.bind`, '/sysroot/etc/app'));
    expect(await resolveInSysroot(ctx, '/sysroot/etc/app/data')).toBe('/sysroot/var/lib/appdata');
  });

  it('keeps a path no mount landed on or above, and a new step resolves it again', async () => {
    const sys = await machine();
    await sys.mkdirp('/sysroot/etc/a/x', '/sysroot/etc/ab', `${STATE}/etc-a.bind`, `${STATE}/etc-ab.bind`);
    const realpath = vi.spyOn(sys, 'realpath');
    const ctx = stepContext(sys);
    const walks = async (p: string) => {
      const before = realpath.mock.calls.length;
      expect(await resolveInSysroot(ctx, p)).toBe(p);
      return realpath.mock.calls.length - before;
    };
    expect(await walks('/sysroot/etc/a/x')).toBe(1);
    expect(await walks('/sysroot/etc/a/x')).toBe(0);
    // /sysroot/etc/ab shares the string /sysroot/etc/a, not the directory.
    await mountPlain(ctx, bind(`${STATE}/etc-ab.bind`, '/sysroot/etc/ab'));
    expect(await walks('/sysroot/etc/a/x')).toBe(0);
    await mountPlain(ctx, bind(`${STATE}/etc-a.bind`, '/sysroot/etc/a'));
    expect(await walks('/sysroot/etc/a/x')).toBe(1);
    const before = realpath.mock.calls.length;
    await resolveInSysroot(stepContext(sys), '/sysroot/etc/a/x');
    expect(realpath.mock.calls.length).toBe(before + 1);
  });

  it('never keeps a path with a link on the way: each resolution says where it led', async () => {
    const ctx = stepContext(await machine());
    await resolveInSysroot(ctx, '/sysroot/var/run');
    await resolveInSysroot(ctx, '/sysroot/var/run');
    expect(ctx.log.lines.filter((l) => l.msg.includes('/var/run leads to /run'))).toHaveLength(2);
  });
});
