import {describe, expect, it} from 'vitest';
import {parseDotKey, parseDotNotation} from './dot-notation.ts';
import {configFromData} from './parse-config.ts';

describe('parseDotKey', () => {
  const valid = [
    {
      name: 'names and indexes',
      key: 'stages.initramfs[0].commands[1]',
      want: ['stages', 'initramfs', 0, 'commands', 1],
    },
    {
      name: '.after belongs to the stage name',
      key: 'stages.rootfs.after[0].name',
      want: ['stages', 'rootfs.after', 0, 'name'],
    },
    {
      name: '.before belongs to the stage name',
      key: 'stages.initramfs.before[2].hostname',
      want: ['stages', 'initramfs.before', 2, 'hostname'],
    },
    {
      name: 'a quoted key keeps its dots',
      key: 'stages.rootfs[0].sysctl["vm.swappiness"]',
      want: ['stages', 'rootfs', 0, 'sysctl', 'vm.swappiness'],
    },
  ];
  it.each(valid)('$name', ({key, want}) => {
    expect(parseDotKey(key)).toEqual(want);
  });

  const invalid = [
    {name: 'two dots', key: 'stages..rootfs', error: /is not a \.name or \[index\]/},
    {name: 'an unclosed index', key: 'stages.rootfs[0', error: /"\[0" is not/},
    {name: 'a lone name', key: 'stages', error: /names no field/},
  ];
  it.each(invalid)('$name', ({key, error}) => {
    expect(parseDotKey(key)).toMatch(error);
  });
});

describe('parseDotNotation', () => {
  it('builds the structure of a cloud-config file, in cmdline order', () => {
    const {data, errors} = parseDotNotation([
      {key: 'stages.initramfs[0].name', value: 'from cmdline'},
      {key: 'stages.initramfs[0].commands[0]', value: 'echo=hi'},
      {key: 'stages.initramfs[0].commands[1]', value: '"quoted"'},
      {key: 'stages.rootfs.after[0].environment.OVERLAY', value: 'tmpfs:30%'},
    ]);
    expect(errors).toEqual([]);
    expect(data).toEqual({
      stages: {
        initramfs: [{name: 'from cmdline', commands: ['echo=hi', 'quoted']}],
        'rootfs.after': [{environment: {OVERLAY: 'tmpfs:30%'}}],
      },
    });
  });

  it('closes holes in lists: commands[3] alone is the first command', () => {
    const {data} = parseDotNotation([{key: 'stages.rootfs[2].commands[3]', value: 'x'}]);
    expect(data).toEqual({stages: {rootfs: [{commands: ['x']}]}});
  });

  it('reports a pair that contradicts an earlier one and keeps the earlier one', () => {
    const {data, errors} = parseDotNotation([
      {key: 'stages.rootfs[0].hostname', value: 'a'},
      {key: 'stages.rootfs[0].hostname.x', value: 'b'},
      {key: 'stages.rootfs.x', value: 'c'},
    ]);
    expect(data).toEqual({stages: {rootfs: [{hostname: 'a'}]}});
    expect(errors.map((e) => e.message)).toEqual([
      'Dot-notation cloud-config "stages.rootfs[0].hostname.x=b": stages.rootfs[0].hostname already has the value "a"; ignoring it',
      'Dot-notation cloud-config "stages.rootfs.x=c": stages.rootfs is a list, not a mapping; ignoring it',
    ]);
    expect(errors[0]?.hint).toMatch(/stages\.initramfs\[0\]\.hostname=node-1/);
  });

  it('string values are read as the field wants: permissions octal, timeout seconds, booleans', () => {
    const {data} = parseDotNotation([
      {key: 'stages.rootfs[0].files[0].path', value: '/etc/x'},
      {key: 'stages.rootfs[0].files[0].permissions', value: '0600'},
      {key: 'stages.rootfs[0].timeout', value: '5'},
      {key: 'stages.rootfs[0].users.kairos.lock_passwd', value: 'true'},
      {key: 'stages.rootfs[0].sysctl.vm.swappiness', value: '10'},
    ]);
    const step = configFromData(data, 'the kernel cmdline').stages.get('rootfs')?.[0]?.step;
    expect(step?.errors).toEqual([]);
    expect(step).toMatchObject({
      files: [{path: '/etc/x', mode: 0o600}],
      timeoutSec: 5,
      users: [{name: 'kairos', lockPasswd: true}],
      sysctl: [['vm.swappiness', '10']],
    });
  });
});
