import {describe, expect, it} from 'vitest';
import {mountBySyscall, planMountSyscall} from './mount-syscall.ts';

describe('planMountSyscall', () => {
  it.each([
    {name: 'ro is MS_RDONLY', options: ['ro'], flags: 1, data: ''},
    {name: 'rw clears it again', options: ['ro', 'rw'], flags: 0, data: ''},
    {name: 'bind is MS_BIND', options: ['bind'], flags: 4096, data: ''},
    {name: 'rbind adds MS_REC', options: ['rbind'], flags: 4096 | 16384, data: ''},
    {
      name: 'flags and data split like mount(8)',
      options: ['rw', 'nosuid', 'nodev', 'size=25%', 'mode=755'],
      flags: 2 | 4,
      data: 'size=25%,mode=755',
    },
    {
      name: 'overlay dirs are data, in order',
      options: ['lowerdir=/a', 'upperdir=/b', 'workdir=/c'],
      flags: 0,
      data: 'lowerdir=/a,upperdir=/b,workdir=/c',
    },
    {
      name: 'fstab-only words are dropped',
      options: ['defaults', 'noauto', 'nofail', 'x-systemd.device-timeout=1', 'relatime'],
      flags: 1 << 21,
      data: '',
    },
  ])('$name', ({options, flags, data}) => {
    expect(planMountSyscall(options)).toEqual({flags, data});
  });
});

describe('mountBySyscall', () => {
  it('declines under node, where there is no bun:ffi, so mount(8) does the work', async () => {
    expect(
      await mountBySyscall({source: 'tmpfs', target: '/nonexistent', fstype: 'tmpfs', options: []}, [
        'mount',
      ]),
    ).toBe(false);
  });
});
