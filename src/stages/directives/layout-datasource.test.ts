// layout and datasource on the fake Sys: the order of tool calls on a block device the kernel
// knows (what the namespace tests cannot show: the host does not scan loop devices' tables), and a
// cidata medium mounted read-only, read and unmounted.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../../test/fakes/fake-sys.ts';
import {stepEnv} from '../../../test/fakes/stage-context.ts';
import {pullDatasource} from './datasource.ts';
import {applyLayout} from './layout.ts';

const MiB = 2048;
const SFDISK = JSON.stringify({
  partitiontable: {
    label: 'gpt',
    firstlba: 2048,
    sectorsize: 512,
    partitions: [
      {node: '/dev/vda1', start: MiB, size: 64 * MiB, name: 'oem'},
      {node: '/dev/vda2', start: 65 * MiB, size: 256 * MiB, name: 'persistent'},
    ],
  },
});

function disk(opts: {mounted?: boolean; tools?: string[]} = {}) {
  const sys = new FakeSys({
    devices: [{device: '/dev/vda2', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}}],
    files: {
      '/sys/devices/pci0/virtio1/block/vda/vda2/partition': '2\n',
    },
    tools: opts.tools ?? ['sfdisk', 'blkid', 'stat', 'partx', 'resize2fs', 'e2fsck'],
    run: (argv) => {
      const [tool] = argv;
      if (tool === 'stat') return {exitCode: 0, stdout: 'block special file 0\n', stderr: ''};
      if (tool === 'blockdev') return {exitCode: 0, stdout: `${1024 * MiB * 512}\n`, stderr: ''};
      if (tool === 'sfdisk' && argv[1] === '--json') return {exitCode: 0, stdout: SFDISK, stderr: ''};
      if (tool === 'blkid') {
        const offset = Number(argv[argv.indexOf('-O') + 1]);
        const out = offset === 65 * MiB * 512 ? 'TYPE=ext4\nLABEL=COS_PERSISTENT\n' : '';
        return {exitCode: out ? 0 : 2, stdout: out, stderr: ''};
      }
      return undefined;
    },
  });
  sys.links.set('/sys/class/block/vda2', '../../devices/pci0/virtio1/block/vda/vda2');
  sys.dirs.add('/sys/class/block');
  if (opts.mounted) void sys.mount({source: '/dev/vda2', target: '/', fstype: 'ext4', options: ['rw']});
  return sys;
}
const tools = (sys: FakeSys) =>
  sys.runs.filter((a) => !['stat', 'blockdev', 'blkid'].includes(a[0] ?? '') && a[1] !== '--json');

describe('layout on a block device', () => {
  it('finds the disk of the label in sysfs, edits partition 2, tells the kernel with partx, grows ext4 online', async () => {
    const sys = disk({mounted: true});
    await applyLayout(stepEnv(sys), {device: {label: 'COS_PERSISTENT'}, expand: {sizeMiB: 0}, add: []});
    expect(tools(sys)).toEqual([
      ['sfdisk', '--no-reread', '--no-tell-kernel', '-q', '-N', '2', '/dev/vda'],
      ['partx', '-u', '--nr', '2', '/dev/vda'],
      ['resize2fs', '/dev/vda2'],
    ]);
  });

  it('checks an unmounted ext4 before growing it (resize2fs wants it)', async () => {
    const sys = disk();
    await applyLayout(stepEnv(sys), {device: {label: 'COS_PERSISTENT'}, expand: {sizeMiB: 0}, add: []});
    expect(tools(sys).slice(2)).toEqual([
      ['e2fsck', '-f', '-p', '/dev/vda2'],
      ['resize2fs', '/dev/vda2'],
    ]);
  });

  it('names a missing tool and an unknown label', async () => {
    await expect(
      applyLayout(stepEnv(disk({tools: ['blkid', 'stat']})), {
        device: {label: 'COS_PERSISTENT'},
        expand: {sizeMiB: 0},
        add: [],
      }),
    ).rejects.toThrow('layout needs sfdisk, which this system does not have');
    await expect(
      applyLayout(stepEnv(disk()), {device: {label: 'NOPE'}, expand: {sizeMiB: 0}, add: []}),
    ).rejects.toThrow('layout: no filesystem labelled NOPE');
  });

  it('refuses a label on a partition that is not the last, touching nothing', async () => {
    const sys = disk();
    sys.devices.push({device: '/dev/vda1', info: {fstype: 'ext4', label: 'COS_OEM'}});
    sys.with({'/sys/devices/pci0/virtio1/block/vda/vda1/partition': '1\n'});
    sys.links.set('/sys/class/block/vda1', '../../devices/pci0/virtio1/block/vda/vda1');
    await expect(
      applyLayout(stepEnv(sys), {device: {label: 'COS_OEM'}, expand: {sizeMiB: 0}, add: []}),
    ).rejects.toThrow('COS_OEM is partition 1, not the last partition of /dev/vda (2)');
    expect(tools(sys)).toEqual([]);
  });
});

describe('datasource cdrom', () => {
  it('mounts the cidata medium read-only (iso9660 first), keeps the user data in path, unmounts', async () => {
    const userData = '#cloud-config\nhostname: from-cd\n';
    const sys = new FakeSys({
      devices: [{device: '/dev/sr0', info: {fstype: 'iso9660', label: 'CIDATA'}}],
      files: {'/run/immucore/datasource/cdrom/user-data': userData, '/oem/.keep': ''},
    });
    const env = stepEnv(sys);
    await pullDatasource(env, {
      providers: ['cdrom'],
      skipped: [],
      path: '/oem',
      userdataName: '95_userdata.yaml',
    });
    expect(sys.mounts).toEqual([
      {source: '/dev/sr0', target: '/run/immucore/datasource/cdrom', fstype: 'iso9660', options: ['ro']},
    ]);
    expect(sys.unmounts).toEqual(['/run/immucore/datasource/cdrom']);
    expect(sys.files.get('/oem/userdata')?.text).toBe(userData);
    expect(sys.files.get('/oem/userdata')?.mode).toBe(0o600);
    expect(sys.files.get('/oem/95_userdata.yaml')?.text).toBe(userData);
  });

  it('keeps data that is not a cloud-config as userdata only, and does not run a script', async () => {
    const sys = new FakeSys({
      devices: [{device: '/dev/sr0', info: {fstype: 'iso9660', label: 'cidata'}}],
      files: {'/run/immucore/datasource/cdrom/user-data': '#!/bin/sh\necho hi\n'},
    });
    const env = stepEnv(sys);
    await pullDatasource(env, {
      providers: ['cdrom'],
      skipped: [],
      path: '/oem',
      userdataName: 'userdata.yaml',
    });
    expect(sys.files.get('/oem/userdata')?.text).toBe('#!/bin/sh\necho hi\n');
    expect(sys.files.has('/oem/userdata.yaml')).toBe(false);
    expect(env.warnings).toEqual([expect.stringContaining('is a script; immucore does not run it')]);
    expect(sys.runs).toEqual([]);
  });

  it('reads a config drive at openstack/latest/user_data', async () => {
    const sys = new FakeSys({
      devices: [{device: '/dev/vdb', info: {fstype: 'vfat', label: 'config-2'}}],
      files: {'/run/immucore/datasource/config-drive/openstack/latest/user_data': 'a: 1\n'},
    });
    await pullDatasource(stepEnv(sys), {
      providers: ['cdrom', 'config-drive'],
      skipped: [],
      path: '/run/config',
      userdataName: 'userdata.yaml',
    });
    expect(sys.files.get('/run/config/userdata.yaml')?.text).toBe('a: 1\n');
  });
});
