// Paths resolved inside a root as a chroot would, on the fake: what mount(2) and mkdir are handed.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {RootView} from './root-view.ts';

/** A root image at /sysroot with the links images really carry, and a few hostile ones. */
async function image(): Promise<RootView> {
  const sys = new FakeSys({
    files: {
      '/sysroot/run/.keep': '',
      '/sysroot/var/lib/ca-certificates/pem/ca.pem': 'pem',
      '/sysroot/usr/local/.state/etc-ssh.bind/sshd_config': 'Port 22',
      '/run/outside': 'the initramfs',
    },
  });
  await sys.mkdirp('/sysroot/var', '/sysroot/etc/ssl');
  await sys.symlink('/run', '/sysroot/var/run');
  await sys.symlink('/var/lib/ca-certificates/pem', '/sysroot/etc/ssl/certs');
  await sys.symlink('../../var/lib/ca-certificates', '/sysroot/etc/ssl/ca');
  await sys.symlink('../../../../../run', '/sysroot/etc/climb');
  await sys.symlink('/etc/ssl/ca', '/sysroot/etc/chain');
  await sys.symlink('loop-b', '/sysroot/etc/loop-a');
  await sys.symlink('loop-a', '/sysroot/etc/loop-b');
  return new RootView(sys, '/sysroot');
}

describe('RootView.resolveInside', () => {
  const inside = [
    {name: 'a path without links is itself', p: '/etc/ssl', path: '/sysroot/etc/ssl', links: []},
    {
      name: 'an absolute link starts again at the view root, not the machine root',
      p: '/var/run/lock',
      path: '/sysroot/run/lock',
      links: [{at: '/var/run', target: '/run'}],
    },
    {
      name: "openSUSE's /etc/ssl/certs leads into /var/lib",
      p: '/etc/ssl/certs',
      path: '/sysroot/var/lib/ca-certificates/pem',
      links: [{at: '/etc/ssl/certs', target: '/var/lib/ca-certificates/pem'}],
    },
    {
      name: 'a relative link that stays below / is followed',
      p: '/etc/ssl/ca/pem',
      path: '/sysroot/var/lib/ca-certificates/pem',
      links: [{at: '/etc/ssl/ca', target: '../../var/lib/ca-certificates'}],
    },
    {
      name: 'links are followed through links, each listed',
      p: '/etc/chain',
      path: '/sysroot/var/lib/ca-certificates',
      links: [
        {at: '/etc/chain', target: '/etc/ssl/ca'},
        {at: '/etc/ssl/ca', target: '../../var/lib/ca-certificates'},
      ],
    },
    {
      name: 'missing components are kept as named (a mountpoint to create)',
      p: '/var/lib/kubelet/pods',
      path: '/sysroot/var/lib/kubelet/pods',
      links: [],
    },
  ];
  it.each(inside)('$name', async ({p, path, links}) => {
    expect(await (await image()).resolveInside(p)).toEqual({kind: 'inside', path, links});
  });

  it('reports the link whose .. climbs above the root, where a chroot would stop', async () => {
    expect(await (await image()).resolveInside('/etc/climb/outside')).toEqual({
      kind: 'escapes',
      link: {at: '/etc/climb', target: '../../../../../run'},
    });
  });

  it('gives up on a loop of links', async () => {
    await expect((await image()).resolveInside('/etc/loop-a')).rejects.toMatchObject({code: 'ELOOP'});
  });
});
