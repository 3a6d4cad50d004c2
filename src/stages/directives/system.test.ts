import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../../test/fakes/fake-sys.ts';
import {stepEnv} from '../../../test/fakes/stage-context.ts';
import {loadModules, renderHosts, sysctlPath, writeHostname, writeSysctl} from './system.ts';
import {runSystemctl} from './systemctl.ts';

describe('renderHosts', () => {
  it('rewrites the 127.0.0.1 line, or adds one first', () => {
    expect(renderHosts('127.0.0.1 localhost\n::1 localhost\n', 'node-1')).toBe(
      '127.0.0.1 localhost node-1\n::1 localhost\n',
    );
    expect(renderHosts('::1 localhost\n', 'node-1')).toBe('127.0.0.1 localhost node-1\n::1 localhost\n');
  });
});

describe('sysctlPath', () => {
  it.each([
    ['vm.swappiness', '/proc/sys/vm/swappiness'],
    ['net/ipv4/conf/eth0.1/rp_filter', '/proc/sys/net/ipv4/conf/eth0.1/rp_filter'],
  ])('%s → %s', (key, want) => {
    expect(sysctlPath(key)).toBe(want);
  });
});

describe('writeHostname', () => {
  it('in a chroot writes /etc/hostname and /etc/hosts of the view, and does not rename the machine', async () => {
    const sys = new FakeSys().with({'/sysroot/etc/hosts': '127.0.0.1 localhost\n'});
    await writeHostname(stepEnv(sys, '/sysroot'), 'node-1');
    expect(sys.files.get('/sysroot/etc/hostname')?.text).toBe('node-1\n');
    expect(sys.files.get('/sysroot/etc/hosts')?.text).toBe('127.0.0.1 localhost node-1\n');
    expect(sys.runs).toEqual([]);
  });
  it('on the live root also sets the running host name', async () => {
    const sys = new FakeSys();
    await writeHostname(stepEnv(sys, '/'), 'node-1');
    expect(sys.runs).toEqual([['hostname', 'node-1']]);
  });
});

describe('writeSysctl and loadModules', () => {
  it('writes every key and reports the ones that failed', async () => {
    const sys = new FakeSys();
    await sys.mkdirp('/proc/sys/vm');
    await expect(
      writeSysctl(stepEnv(sys), [
        ['vm.swappiness', '10'],
        ['no.such', '1'],
      ]),
    ).rejects.toThrow(/\/proc\/sys\/no\/such/);
    expect(sys.files.get('/proc/sys/vm/swappiness')?.text).toBe('10\n');
  });
  it('modprobes each module in the view', async () => {
    const sys = new FakeSys();
    await loadModules(stepEnv(sys, '/sysroot'), ['overlay', 'br_netfilter']);
    expect(sys.runs).toEqual([
      ['chroot', '/sysroot', 'modprobe', '--', 'overlay'],
      ['chroot', '/sysroot', 'modprobe', '--', 'br_netfilter'],
    ]);
  });
});

describe('runSystemctl', () => {
  it('enables, disables and masks offline in the view; start in a chroot is a warning', async () => {
    const sys = new FakeSys();
    const env = stepEnv(sys, '/sysroot');
    await runSystemctl(env, {
      enable: ['a.service', 'b.service'],
      disable: [],
      mask: ['c.service'],
      start: ['d.service'],
      overrides: [],
    });
    expect(sys.runs).toEqual([
      ['chroot', '/sysroot', 'systemctl', '--root=/', 'enable', '--', 'a.service', 'b.service'],
      ['chroot', '/sysroot', 'systemctl', '--root=/', 'mask', '--', 'c.service'],
    ]);
    expect(env.warnings).toEqual([
      expect.stringMatching(/systemctl start d\.service: nothing runs in \/sysroot yet/),
    ]);
  });
  it('starts units on the live root', async () => {
    const sys = new FakeSys();
    await runSystemctl(stepEnv(sys, '/'), {
      enable: [],
      disable: [],
      mask: [],
      start: ['d.service'],
      overrides: [],
    });
    expect(sys.runs).toEqual([['systemctl', 'start', '--', 'd.service']]);
  });
});
