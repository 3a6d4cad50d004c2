import {describe, expect, it} from 'vitest';
import {
  DEFAULT_KCRYPT,
  decideKeySource,
  decideUnlock,
  type KcryptConfig,
  kcryptUuid,
  type LuksContainer,
  matchContainer,
} from './luks.ts';

// One container per Kairos generation, as the header and the partition table describe them.
const c = (name: string, more: Partial<LuksContainer> = {}): LuksContainer => ({
  device: `/dev/${name}`,
  name,
  version: 2,
  tokens: [],
  ...more,
});
const LEGACY_LUKS1 = c('vda5', {
  version: 1,
  uuid: '0d6f3c0e-8f52-4a53-9a4f-2b4cf1c7c111',
  partLabel: 'persistent',
});
const V5_UUID = c('vda5', {
  version: 1,
  uuid: '85c39d0f-4867-5227-8334-f5eec606d9eb',
  partLabel: 'persistent',
});
const SAME_LABEL = c('vda5', {label: 'COS_PERSISTENT', uuid: '1e1b1c1d-0000-4000-8000-000000000001'});
const LUKS_LABEL = c('vda5', {label: 'COS_PERSISTENT_LUKS', uuid: '85c39d0f-4867-5227-8334-f5eec606d9eb'});
const OEM_V5 = c('vda2', {uuid: '8bfa06f9-ca4f-56dc-90c9-49cf20f4f45e', partLabel: 'oem'});
const DATA = c('vdb1', {label: 'DATA_LUKS', partLabel: 'data'});

describe('kcryptUuid', () => {
  it.each([
    ['COS_PERSISTENT', '85c39d0f-4867-5227-8334-f5eec606d9eb'],
    ['COS_OEM', '8bfa06f9-ca4f-56dc-90c9-49cf20f4f45e'],
  ])('uuidv5(URL, %s) is %s, as kcrypt writes it', (label, uuid) => {
    expect(kcryptUuid(label)).toBe(uuid);
  });
});

describe('matchContainer', () => {
  const valid: Array<{
    name: string;
    volume: string;
    containers: LuksContainer[];
    device: string;
    foundBy: string;
  }> = [
    {
      name: 'oldest: LUKS1, random UUID, no label, by partition name',
      volume: 'LABEL=COS_PERSISTENT',
      containers: [LEGACY_LUKS1],
      device: '/dev/vda5',
      foundBy: 'partition-name',
    },
    {
      name: 'LUKS1 with the v5 UUID of the label',
      volume: 'LABEL=COS_PERSISTENT',
      containers: [V5_UUID],
      device: '/dev/vda5',
      foundBy: 'kcrypt-uuid',
    },
    {
      name: 'header label equal to the inner label (kairos#4033)',
      volume: 'LABEL=COS_PERSISTENT',
      containers: [SAME_LABEL],
      device: '/dev/vda5',
      foundBy: 'header-label',
    },
    {
      name: 'newest: header label <label>_LUKS wins over its v5 UUID',
      volume: 'LABEL=COS_PERSISTENT',
      containers: [LUKS_LABEL],
      device: '/dev/vda5',
      foundBy: 'luks-label',
    },
    {
      name: 'encrypted OEM by its v5 UUID',
      volume: 'LABEL=COS_OEM',
      containers: [OEM_V5, LEGACY_LUKS1],
      device: '/dev/vda2',
      foundBy: 'kcrypt-uuid',
    },
    {
      name: 'a custom VOLUMES label by <label>_LUKS',
      volume: 'LABEL=DATA',
      containers: [LEGACY_LUKS1, DATA],
      device: '/dev/vdb1',
      foundBy: 'luks-label',
    },
    {
      name: 'a newer generation wins over an older one on another disk',
      volume: 'LABEL=COS_PERSISTENT',
      containers: [LEGACY_LUKS1, {...LUKS_LABEL, device: '/dev/vdb5', name: 'vdb5'}],
      device: '/dev/vdb5',
      foundBy: 'luks-label',
    },
    {
      name: 'a /dev path names the container itself',
      volume: '/dev/vdb1',
      containers: [DATA],
      device: '/dev/vdb1',
      foundBy: 'device',
    },
    {
      name: 'UUID= names the container UUID',
      volume: 'UUID=85C39D0F-4867-5227-8334-F5EEC606D9EB',
      containers: [V5_UUID],
      device: '/dev/vda5',
      foundBy: 'device',
    },
    {
      name: 'PARTLABEL= names the partition',
      volume: 'PARTLABEL=data',
      containers: [DATA],
      device: '/dev/vdb1',
      foundBy: 'partition-name',
    },
  ];
  it.each(valid)('$name', ({volume, containers, device, foundBy}) => {
    const m = matchContainer(volume, containers);
    expect(m).toMatchObject({kind: 'found', foundBy});
    expect(m.kind === 'found' && m.container.device).toBe(device);
  });

  const none: Array<{name: string; volume: string; containers: LuksContainer[]}> = [
    {name: 'plain OEM: no container matches COS_OEM', volume: 'LABEL=COS_OEM', containers: [LEGACY_LUKS1]},
    {
      name: 'a custom label has no partition-name generation',
      volume: 'LABEL=DATA',
      containers: [c('vdb1', {partLabel: 'DATA'})],
    },
    {
      name: 'a labelled container on the persistent partition is not taken for another label',
      volume: 'LABEL=COS_PERSISTENT',
      containers: [c('vda5', {label: 'OTHER', partLabel: 'persistent'})],
    },
    {name: 'no containers at all', volume: 'LABEL=COS_PERSISTENT', containers: []},
  ];
  it.each(none)('$name', ({volume, containers}) => {
    expect(matchContainer(volume, containers)).toEqual({kind: 'none'});
  });

  it('two containers of one generation are ambiguous, never guessed', () => {
    const two = [SAME_LABEL, {...SAME_LABEL, device: '/dev/vdb5', name: 'vdb5'}];
    expect(matchContainer('LABEL=COS_PERSISTENT', two)).toEqual({
      kind: 'ambiguous',
      foundBy: 'header-label',
      devices: ['/dev/vda5', '/dev/vdb5'],
    });
  });
});

describe('decideKeySource', () => {
  const cfg = (more: Partial<KcryptConfig>): KcryptConfig => ({...DEFAULT_KCRYPT, ...more});
  const cases: Array<{name: string; container: LuksContainer; config: KcryptConfig; want: object}> = [
    {
      name: 'no server, no token: TPM NV with kcrypt defaults',
      container: LUKS_LABEL,
      config: cfg({}),
      want: {kind: 'tpm-nv', nvIndex: '0x1500000', cIndex: '0x81000008'},
    },
    {
      name: 'configured NV index and device',
      container: LUKS_LABEL,
      config: cfg({nvIndex: '0x1500001', tpmDevice: '/dev/tpmrm0'}),
      want: {kind: 'tpm-nv', nvIndex: '0x1500001', cIndex: '0x81000008', tpmDevice: '/dev/tpmrm0'},
    },
    {
      name: 'a systemd-tpm2 token in the header',
      container: {...LUKS_LABEL, tokens: ['systemd-tpm2']},
      config: cfg({}),
      want: {kind: 'systemd-tpm2'},
    },
    {
      name: 'a key server wins over the token',
      container: {...LUKS_LABEL, tokens: ['systemd-tpm2']},
      config: cfg({challengerServer: 'http://kms:8082'}),
      want: {kind: 'plugin', challengerServer: 'http://kms:8082', mdns: false},
    },
    {
      name: 'mDNS alone means a key server',
      container: LEGACY_LUKS1,
      config: cfg({mdns: true}),
      want: {kind: 'plugin', mdns: true},
    },
  ];
  it.each(cases)('$name', ({container, config, want}) => {
    expect(decideKeySource(container, config)).toEqual(want);
  });
});

describe('decideUnlock', () => {
  it('opens as /dev/mapper/<kernel name>, with the inner label', () => {
    expect(decideUnlock('LABEL=COS_PERSISTENT', [LUKS_LABEL], DEFAULT_KCRYPT)).toMatchObject({
      kind: 'unlock',
      item: {volume: 'LABEL=COS_PERSISTENT', label: 'COS_PERSISTENT', mapper: 'vda5', reuse: false},
    });
  });
  it('reuses a mapper that is open already, whatever its name', () => {
    expect(
      decideUnlock('LABEL=COS_PERSISTENT', [{...SAME_LABEL, openAs: 'luks-1e1b'}], DEFAULT_KCRYPT),
    ).toMatchObject({
      kind: 'unlock',
      item: {mapper: 'luks-1e1b', reuse: true},
    });
  });
  it('a plain volume is none: it mounts by label as before', () => {
    expect(decideUnlock('LABEL=COS_OEM', [LUKS_LABEL], DEFAULT_KCRYPT)).toEqual({
      kind: 'none',
      volume: 'LABEL=COS_OEM',
    });
  });
  it('ambiguous containers: the message names both devices, the hint says how to fix it', () => {
    const d = decideUnlock(
      'LABEL=DATA',
      [DATA, {...DATA, device: '/dev/vdc1', name: 'vdc1'}],
      DEFAULT_KCRYPT,
    );
    expect(d).toMatchObject({
      kind: 'ambiguous',
      message: expect.stringMatching(/\/dev\/vdb1 and \/dev\/vdc1/),
    });
    expect(d.kind === 'ambiguous' && d.hint).toMatch(/cryptsetup config --label/);
  });
});
