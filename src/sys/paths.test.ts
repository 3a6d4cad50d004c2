import {describe, expect, it} from 'vitest';
import type {MountSpec} from '../boot/mount-spec.ts';
import {resolveMountPaths} from './mount.ts';
import {resolveUnder, toRootRelative} from './paths.ts';

describe('resolveUnder', () => {
  const cases = [
    {name: 'the real root changes nothing', root: '/', p: '/run/cos', want: '/run/cos'},
    {name: 'a temp root prefixes', root: '/tmp/r', p: '/sysroot/etc', want: '/tmp/r/sysroot/etc'},
    {name: '.. cannot climb out', root: '/tmp/r', p: '/../../etc/passwd', want: '/tmp/r/etc/passwd'},
    {name: 'a relative path is taken from /', root: '/tmp/r', p: 'run', want: '/tmp/r/run'},
    {name: '/ is the root itself', root: '/tmp/r', p: '/', want: '/tmp/r'},
  ];
  it.each(cases)('$name', ({root, p, want}) => expect(resolveUnder(root, p)).toBe(want));
});

describe('toRootRelative', () => {
  const cases = [
    {name: 'below the root', root: '/tmp/r', real: '/tmp/r/sysroot', want: '/sysroot'},
    {name: 'the root itself', root: '/tmp/r', real: '/tmp/r', want: '/'},
    {name: 'a sibling with the same prefix is outside', root: '/tmp/r', real: '/tmp/r2/x', want: undefined},
    {name: 'outside', root: '/tmp/r', real: '/proc', want: undefined},
    {name: 'the real root keeps everything', root: '/', real: '/proc', want: '/proc'},
  ];
  it.each(cases)('$name', ({root, real, want}) => expect(toRootRelative(root, real)).toBe(want));
});

describe('resolveMountPaths', () => {
  const cases: Array<{name: string; spec: MountSpec; want: MountSpec}> = [
    {
      name: 'a device keeps its real node, the target moves under the root',
      spec: {source: '/dev/loop3', target: '/sysroot', fstype: 'ext4', options: ['ro']},
      want: {source: '/dev/loop3', target: '/r/sysroot', fstype: 'ext4', options: ['ro']},
    },
    {
      name: 'overlay dirs move under the root, other options stay',
      spec: {
        source: 'overlay',
        target: '/sysroot/etc',
        fstype: 'overlay',
        options: [
          'lowerdir=/sysroot/etc:/lower2',
          'upperdir=/run/overlay/etc/.overlay/upper',
          'workdir=/run/w',
          'index=off',
        ],
      },
      want: {
        source: 'overlay',
        target: '/r/sysroot/etc',
        fstype: 'overlay',
        options: [
          'lowerdir=/r/sysroot/etc:/r/lower2',
          'upperdir=/r/run/overlay/etc/.overlay/upper',
          'workdir=/r/run/w',
          'index=off',
        ],
      },
    },
    {
      name: 'a bind source moves under the root',
      spec: {
        source: '/sysroot/usr/local/.state/etc-ssh.bind',
        target: '/sysroot/etc/ssh',
        fstype: 'none',
        options: ['bind'],
      },
      want: {
        source: '/r/sysroot/usr/local/.state/etc-ssh.bind',
        target: '/r/sysroot/etc/ssh',
        fstype: 'none',
        options: ['bind'],
      },
    },
    {
      name: 'names stay names',
      spec: {source: 'LABEL=COS_OEM', target: '/sysroot/oem', fstype: 'auto', options: []},
      want: {source: 'LABEL=COS_OEM', target: '/r/sysroot/oem', fstype: 'auto', options: []},
    },
  ];
  it.each(cases)('$name', ({spec, want}) => expect(resolveMountPaths(spec, '/r')).toEqual(want));
});
