import {describe, expect, it} from 'vitest';
import {renderUdevName} from '../boot/boot-mode.ts';
import {parseUevent} from './block-scan.ts';
import {filterFromNames, findDevice, parseDeviceSpec} from './devices.ts';
import {SysError} from './sys.ts';

describe('parseDeviceSpec', () => {
  const valid = [
    {spec: 'LABEL=COS_STATE', want: {kind: 'LABEL', value: 'COS_STATE'}},
    {spec: 'CDLABEL=COS_LIVE', want: {kind: 'LABEL', value: 'COS_LIVE'}},
    {spec: 'UUID=0a1b-2c', want: {kind: 'UUID', value: '0a1b-2c'}},
    {spec: 'PARTLABEL=state', want: {kind: 'PARTLABEL', value: 'state'}},
    {spec: 'PARTUUID=1234abcd-02', want: {kind: 'PARTUUID', value: '1234abcd-02'}},
    {spec: 'LABEL=with=equals', want: {kind: 'LABEL', value: 'with=equals'}},
    {spec: '/dev/sda2', want: {kind: 'path', path: '/dev/sda2'}},
    {spec: '/dev/disk/by-label/COS_OEM', want: {kind: 'path', path: '/dev/disk/by-label/COS_OEM'}},
  ];
  it.each(valid)('$spec', ({spec, want}) => expect(parseDeviceSpec(spec)).toEqual(want));

  const invalid = ['LABEL=', 'label=x', 'sda2', '/tmp/image.img', 'tmpfs', ''];
  it.each(invalid)('"%s" is no device', (spec) => expect(parseDeviceSpec(spec)).toBeUndefined());
});

describe('findDevice', () => {
  it('refuses a spec that names no device, with the forms it takes', async () => {
    const err = await findDevice('/tmp/active.img').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SysError);
    expect((err as SysError).code).toBe('EINVAL');
    expect((err as SysError).message).toMatch(/"\/tmp\/active.img"/);
    expect((err as SysError).hint).toMatch(/LABEL=<label>/);
  });
});

describe('renderUdevName (by-label link names)', () => {
  const cases = [
    {raw: 'COS_STATE', want: 'COS_STATE'},
    {raw: 'my disk', want: 'my\\x20disk'},
    {raw: 'a/b', want: 'a\\x2fb'},
    {raw: 'Données', want: 'Données'},
  ];
  it.each(cases)('$raw', ({raw, want}) => expect(renderUdevName(raw)).toBe(want));
});

describe('filterFromNames', () => {
  const allow = filterFromNames(['loop7', 'sda']);
  const cases = [
    {name: 'loop7', want: true},
    {name: 'loop7p1', want: true},
    {name: 'sda2', want: true},
    {name: 'loop70', want: false},
    {name: 'loop8', want: false},
    {name: 'sdab', want: false},
  ];
  it.each(cases)('$name → $want', ({name, want}) => expect(allow(name)).toBe(want));
});

describe('parseUevent', () => {
  it('reads the keys of a partition', () => {
    expect(
      parseUevent('MAJOR=259\nMINOR=1\nDEVNAME=nvme0n1p1\nDEVTYPE=partition\nPARTN=1\nPARTNAME=COS_OEM\n'),
    ).toEqual({
      MAJOR: '259',
      MINOR: '1',
      DEVNAME: 'nvme0n1p1',
      DEVTYPE: 'partition',
      PARTN: '1',
      PARTNAME: 'COS_OEM',
    });
  });
});
