// unlock-oem / unlock-volumes on the fake Sys: which tools run, with which key on stdin, what the
// mounts then use, and what a failure says and leaves alone.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import type {LuksContainer} from '../boot/luks.ts';
import type {RunOptions, RunResult} from '../sys/sys.ts';
import {mountOem} from './mount-oem.ts';
import {mountVolumes} from './mount-volumes.ts';
import {unlockOem, unlockVolumes} from './unlock-luks.ts';

const LAYOUT = 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=DATA:/var/lib/data"';
const PERSISTENT: LuksContainer = {
  device: '/dev/vda5',
  name: 'vda5',
  version: 2,
  label: 'COS_PERSISTENT_LUKS',
  partLabel: 'persistent',
  tokens: [],
};
const TOOLS = ['tpm2_nvread', 'tpm2_rsadecrypt', 'cryptsetup'];
// What no unlock may ever run: anything that creates, formats or re-keys.
const NEVER =
  /luksFormat|luksAddKey|luksChangeKey|tpm2_nvdefine|tpm2_nvwrite|tpm2_nvundefine|systemd-cryptenroll|mkfs/;

/** A machine whose tools answer as kcrypt's would; `cryptsetup open` makes the mapper's filesystem. */
function machine(opts: {
  luks: LuksContainer[];
  run?: (argv: readonly string[], o: RunOptions) => RunResult | undefined;
  files?: Record<string, string>;
  tools?: string[];
  blockEvents?: Array<(sys: FakeSys) => void>;
  /** The TPM's device node is there (default). */
  tpm?: boolean;
}) {
  const inputs: string[] = [];
  const sys: FakeSys = new FakeSys({
    luks: opts.luks,
    ...(opts.blockEvents ? {blockEvents: opts.blockEvents} : {}),
    tools: opts.tools ?? TOOLS,
    files: {
      '/sysroot/usr/local/.keep': '',
      '/sysroot/var/lib/data/.keep': '',
      ...(opts.tpm === false ? {} : {'/dev/tpmrm0': ''}),
      ...opts.files,
    },
    devices: [{device: '/dev/vdb1', info: {fstype: 'ext4', label: 'DATA'}}],
    run: (argv, o) => {
      const scripted = opts.run?.(argv, o);
      if (scripted) return scripted;
      if (argv[0]?.endsWith('tpm2_rsadecrypt')) return {exitCode: 0, stdout: 'sealed-pw', stderr: ''};
      if (argv[0] === 'cryptsetup' || argv[0]?.endsWith('systemd-cryptsetup')) {
        if (o.input !== undefined) inputs.push(o.input);
        const mapper = argv[0] === 'cryptsetup' ? argv.at(-1) : argv[2];
        sys.devices.push({device: `/dev/mapper/${mapper}`, info: {fstype: 'ext4', label: 'COS_PERSISTENT'}});
      }
      return undefined;
    },
  });
  return {sys, inputs};
}

describe('unlockVolumes', () => {
  it('TPM NV mode: nvread, rsadecrypt, then cryptsetup open with the key on stdin; the volume mounts from the mapper', async () => {
    const {sys, inputs} = machine({luks: [PERSISTENT]});
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    expect(sys.runs.map((a) => a[0])).toEqual(['tpm2_nvread', 'tpm2_rsadecrypt', 'cryptsetup']);
    expect(sys.runs[0]).toEqual([
      'tpm2_nvread',
      '-C',
      'o',
      '-o',
      '/run/immucore/kcrypt-vda5.nv',
      '0x1500000',
    ]);
    expect(sys.runs[1]).toEqual([
      'tpm2_rsadecrypt',
      '-c',
      '0x81000008',
      '-s',
      'oaep',
      '/run/immucore/kcrypt-vda5.nv',
    ]);
    expect(sys.runs[2]).toEqual([
      'cryptsetup',
      'open',
      '--type',
      'luks',
      '--key-file=-',
      '/dev/vda5',
      'vda5',
    ]);
    expect(inputs).toEqual(['sealed-pw']);
    expect(await sys.exists('/run/immucore/kcrypt-vda5.nv')).toBe(false);
    expect(ctx.boot.unlocks).toMatchObject([
      {
        volume: 'LABEL=COS_PERSISTENT',
        container: '/dev/vda5',
        foundBy: 'luks-label',
        mapper: '/dev/mapper/vda5',
        keySource: 'TPM NV index 0x1500000',
        outcome: 'unlocked',
      },
    ]);

    const mount = {...ctx, step: 'mount-volumes'};
    await mountVolumes(mount);
    expect(ctx.boot.mounts.map((m) => `${m.source} ${m.target}`)).toEqual([
      '/dev/mapper/vda5 /sysroot/usr/local',
      'LABEL=DATA /sysroot/var/lib/data',
    ]);
  });

  it('waits for the TPM device before the first TPM tool (tpm_tis may probe after the disks)', async () => {
    const {sys} = machine({luks: [PERSISTENT]});
    await unlockVolumes(stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'}));
    const waited = sys.calls.indexOf('waitForPath /dev/tpmrm0 /dev/tpm0');
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(sys.calls.findIndex((c) => c.startsWith('run tpm2_nvread'))).toBeGreaterThan(waited);
  });

  it('kcrypt.tpm_device: waits for that device; a TCTI that is no device (swtpm) is not waited for', async () => {
    const dev = machine({luks: [PERSISTENT], tpm: false, files: {'/dev/tpm1': ''}});
    await unlockVolumes(
      stepContext(dev.sys, {
        cmdline: `${ACTIVE_CMDLINE} kcrypt.tpm_device=/dev/tpm1`,
        layout: LAYOUT,
        step: 'unlock-volumes',
      }),
    );
    expect(dev.sys.calls).toContain('waitForPath /dev/tpm1');
    expect(dev.sys.runs.map((a) => a[0])).toEqual(['tpm2_nvread', 'tpm2_rsadecrypt', 'cryptsetup']);

    const swtpm = machine({luks: [PERSISTENT], tpm: false});
    await unlockVolumes(
      stepContext(swtpm.sys, {
        cmdline: `${ACTIVE_CMDLINE} kcrypt.tpm_device=swtpm:port=2321`,
        layout: LAYOUT,
        step: 'unlock-volumes',
      }),
    );
    expect(swtpm.sys.calls.filter((c) => c.startsWith('waitForPath'))).toEqual([]);
    expect(swtpm.sys.runs.map((a) => a[0])).toEqual(['tpm2_nvread', 'tpm2_rsadecrypt', 'cryptsetup']);
  });

  it('no TPM device within the timeout: each TPM volume fails naming the devices and the fix, the wait is not repeated, no TPM tool runs', async () => {
    const DATA: LuksContainer = {
      ...PERSISTENT,
      device: '/dev/vdb1',
      name: 'vdb1',
      label: 'DATA_LUKS',
      partLabel: 'data',
    };
    const {sys} = machine({
      luks: [PERSISTENT, {...DATA, tokens: ['systemd-tpm2']}],
      tpm: false,
      files: {'/lib/systemd/systemd-cryptsetup': ''},
    });
    sys.devices.length = 0;
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    const err = await stepError(unlockVolumes(ctx));
    expect(err.message).toBe('2 of 2 failed: LABEL=COS_PERSISTENT, LABEL=DATA');
    const message =
      'no TPM device (/dev/tpmrm0 or /dev/tpm0) appeared within 45 s, so the containers sealed to the TPM stay locked';
    expect(ctx.boot.failures).toMatchObject([
      {
        item: 'LABEL=COS_PERSISTENT',
        message,
        hint: expect.stringMatching(/tpm_tis or tpm_crb.*never creates a new key/),
      },
      {item: 'LABEL=DATA', message},
    ]);
    expect(ctx.boot.unlocks).toMatchObject([
      {keySource: 'TPM NV index 0x1500000', outcome: 'failed'},
      {keySource: 'systemd-tpm2 token', outcome: 'failed'},
    ]);
    expect(sys.calls.filter((c) => c.startsWith('waitForPath'))).toHaveLength(1);
    expect(sys.runs).toEqual([]);
  });

  it('the NV index is gone: that volume fails naming the key source and the fix, nothing is created, the others mount', async () => {
    const {sys} = machine({
      luks: [PERSISTENT],
      run: (argv) =>
        argv[0] === 'tpm2_nvread'
          ? {
              exitCode: 1,
              stdout: '',
              stderr:
                'ERROR: Esys_TR_FromTPMPublic(0x18B) - tpm:handle(1):the handle is not correct for the use',
            }
          : undefined,
    });
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    const err = await stepError(unlockVolumes(ctx));
    expect(err.message).toBe('1 of 1 failed: LABEL=COS_PERSISTENT');
    expect(ctx.boot.failures).toMatchObject([
      {
        step: 'unlock-volumes',
        item: 'LABEL=COS_PERSISTENT',
        message: 'TPM NV index 0x1500000 not found: was /dev/vda5 encrypted on this machine?',
        hint: expect.stringMatching(/never creates a new key/),
      },
    ]);
    expect(ctx.boot.unlocks).toMatchObject([{outcome: 'failed', keySource: 'TPM NV index 0x1500000'}]);
    expect(sys.runs.map((a) => a[0])).toEqual(['tpm2_nvread']);
    expect(sys.runs.flat().join(' ')).not.toMatch(NEVER);

    await mountVolumes({...ctx, step: 'mount-volumes'});
    expect(sys.calls).not.toContain('waitForDevice LABEL=COS_PERSISTENT');
    expect(ctx.boot.mounts.map((m) => m.source)).toEqual(['LABEL=DATA']);
  });

  it('a systemd-tpm2 token: systemd-cryptsetup attach, headless, no passphrase', async () => {
    const {sys, inputs} = machine({
      luks: [{...PERSISTENT, tokens: ['systemd-tpm2']}],
      files: {'/lib/systemd/systemd-cryptsetup': ''},
    });
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    expect(sys.runs).toEqual([
      [
        '/lib/systemd/systemd-cryptsetup',
        'attach',
        'vda5',
        '/dev/vda5',
        '-',
        'tpm2-device=auto,headless=true',
      ],
    ]);
    expect(inputs).toEqual([]);
    expect(ctx.boot.unlocks[0]).toMatchObject({keySource: 'systemd-tpm2 token', outcome: 'unlocked'});
  });

  it('a key server in the OEM config: the image plugin gets the partition on stdin, its passphrase opens it', async () => {
    const {sys, inputs} = machine({
      luks: [{...PERSISTENT, partUuid: 'c0ffee00-0000-4000-8000-000000000005'}],
      files: {
        '/sysroot/oem/90_kcrypt.yaml': 'kcrypt:\n  challenger:\n    challenger_server: "http://kms:8082"\n',
        '/sysroot/system/discovery/kcrypt-discovery-challenger': '',
      },
      run: (argv, o) => {
        if (!argv[0]?.endsWith('kcrypt-discovery-challenger')) return undefined;
        const data = JSON.parse(JSON.parse(o.input ?? '{}').data);
        const ok = data.challenger_server === 'http://kms:8082' && data.partition.label === 'COS_PERSISTENT';
        return {
          exitCode: 0,
          stdout: JSON.stringify(ok ? {data: 'from-kms', error: ''} : {error: 'bad request'}),
          stderr: '',
        };
      },
    });
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    expect(sys.runs.map((a) => a.join(' '))).toEqual([
      '/sysroot/system/discovery/kcrypt-discovery-challenger discovery.password',
      'cryptsetup open --type luks --key-file=- /dev/vda5 vda5',
    ]);
    expect(inputs).toEqual(['from-kms']);
    expect(ctx.boot.unlocks[0]).toMatchObject({
      keySource: 'key server plugin (http://kms:8082)',
      plugin: '/sysroot/system/discovery/kcrypt-discovery-challenger',
    });
  });

  it('a key server but no plugin in the image: fails naming what to install', async () => {
    const {sys} = machine({luks: [PERSISTENT]});
    const ctx = stepContext(sys, {
      cmdline: `${ACTIVE_CMDLINE} kcrypt.challenger.challenger_server=http://kms`,
      layout: LAYOUT,
      step: 'unlock-volumes',
    });
    await stepError(unlockVolumes(ctx));
    expect(ctx.boot.failures[0]).toMatchObject({
      message: 'a key server is configured for /dev/vda5, but no kcrypt-discovery-* plugin is installed',
      hint: expect.stringMatching(/\/system\/discovery/),
    });
    expect(sys.runs).toEqual([]);
  });

  it('a mapper open already is reused: no key asked, no tool run', async () => {
    const {sys} = machine({luks: [{...PERSISTENT, openAs: 'luks-persistent'}]});
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    expect(sys.runs).toEqual([]);
    expect(ctx.boot.mappers.get('LABEL=COS_PERSISTENT')).toBe('/dev/mapper/luks-persistent');
    expect(ctx.boot.unlocks[0]).toMatchObject({outcome: 'reused'});
  });

  it('plain volumes: nothing to unlock, nothing run', async () => {
    const {sys} = machine({luks: []});
    sys.devices.push({device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}});
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    expect(sys.runs).toEqual([]);
    expect(ctx.boot.unlocks).toEqual([]);
  });

  it('the wrong key: says so, and never re-keys', async () => {
    const {sys} = machine({
      luks: [PERSISTENT],
      run: (argv) =>
        argv[0] === 'cryptsetup'
          ? {exitCode: 2, stdout: '', stderr: 'No key available with this passphrase.'}
          : undefined,
    });
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await stepError(unlockVolumes(ctx));
    expect(ctx.boot.failures[0]).toMatchObject({
      message: 'the passphrase from the TPM NV index 0x1500000 does not open /dev/vda5',
      hint: expect.stringMatching(/never re-keys/),
    });
    expect(sys.runs.flat().join(' ')).not.toMatch(NEVER);
  });

  it('a volume absent for the whole volumetimeout is waited for once: mount-volumes looks again, it does not wait again', async () => {
    const {sys} = machine({luks: []});
    sys.devices.push({device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}});
    const waits: number[] = [];
    const waitForDevice = sys.waitForDevice.bind(sys);
    sys.waitForDevice = (spec, opts) => {
      waits.push(opts.timeoutMs);
      return waitForDevice(spec, opts);
    };
    const layout = 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=MISSING:/data"';
    const ctx = stepContext(sys, {layout, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    expect([...ctx.boot.absent]).toEqual(['LABEL=MISSING']);
    const mount = stepContext(sys, {layout, step: 'mount-volumes'});
    for (const v of ctx.boot.absent) mount.boot.absent.add(v);
    await stepError(mountVolumes(mount));
    const waited = sys.calls.filter((c) => c.startsWith('waitForBlock'));
    expect(waited).toHaveLength(1);
    expect(waited[0]).toMatch(/LABEL=MISSING/);
    // In mount order: /data (absent: one look), /usr/local (there: the usual bound).
    expect(waits).toEqual([0, 10_000]);
    expect(mount.boot.failures).toEqual([
      {
        step: 'mount-volumes',
        item: 'LABEL=MISSING:/data',
        message: 'Device LABEL=MISSING did not appear within 10000 ms',
      },
    ]);
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/usr/local']);
  });
});

describe('unlockOem', () => {
  const OEM: LuksContainer = {
    device: '/dev/vda2',
    name: 'vda2',
    version: 2,
    uuid: '8bfa06f9-ca4f-56dc-90c9-49cf20f4f45e',
    partLabel: 'oem',
    tokens: [],
  };

  it('an encrypted OEM opens with the cmdline config, and mount-oem mounts its mapper', async () => {
    const {sys} = machine({
      luks: [OEM],
      run: (argv) =>
        argv[0]?.endsWith('kcrypt-discovery-x')
          ? {exitCode: 0, stdout: '{"data":"k","error":""}', stderr: ''}
          : undefined,
      files: {'/usr/bin/kcrypt-discovery-x': ''},
    });
    const ctx = stepContext(sys, {
      cmdline: `${ACTIVE_CMDLINE} kcrypt.challenger.challenger_server=http://kms`,
      step: 'unlock-oem',
    });
    await unlockOem(ctx);
    expect(ctx.boot.mappers.get('LABEL=COS_OEM')).toBe('/dev/mapper/vda2');
    await mountOem({...ctx, step: 'mount-oem'});
    expect(ctx.boot.mounts.map((m) => `${m.source} ${m.target}`)).toEqual(['/dev/mapper/vda2 /sysroot/oem']);
    expect(ctx.boot.mounts[0]?.device).toBe('/dev/mapper/vda2');
    // The mapper cryptsetup made, not a label scan that may find the raw container (kairos#4033).
    expect(sys.calls.filter((c) => c.startsWith('waitForDevice'))).toEqual([]);
  });

  it('a plain OEM: mount-oem mounts the device unlock-oem found, without a second look', async () => {
    const {sys} = machine({luks: []});
    sys.devices.push({device: '/dev/vda2', info: {fstype: 'ext4', label: 'COS_OEM'}});
    const ctx = stepContext(sys, {step: 'unlock-oem'});
    await unlockOem(ctx);
    expect(ctx.boot.oemDevice).toBe('/dev/vda2');
    await mountOem({...ctx, step: 'mount-oem'});
    expect(ctx.boot.mounts.map((m) => `${m.source} ${m.device} ${m.target}`)).toEqual([
      'LABEL=COS_OEM /dev/vda2 /sysroot/oem',
    ]);
    expect(sys.calls.filter((c) => c.startsWith('waitForDevice'))).toEqual([]);
    expect(sys.runs).toEqual([]);
  });

  it('an encrypted OEM that stays locked fails mount-oem, which depends on it', async () => {
    const {sys} = machine({luks: [OEM], tools: []});
    const ctx = stepContext(sys, {step: 'unlock-oem'});
    const err = await stepError(unlockOem(ctx));
    expect(err.message).toBe('tpm2_nvread is not in this initramfs, so /dev/vda2 cannot be opened');
    const mount = await stepError(mountOem({...ctx, step: 'mount-oem'}));
    expect(mount.message).toBe(
      'OEM partition LABEL=COS_OEM is encrypted and stayed locked, so it was not mounted',
    );
    expect(mount.hint).toMatch(/kcrypt\.challenger\.challenger_server/);
  });

  it('no OEM at all: mount-oem warns at once instead of waiting a second time', async () => {
    const {sys} = machine({luks: []});
    const ctx = stepContext(sys, {step: 'unlock-oem'});
    await unlockOem(ctx);
    expect(ctx.boot.oemAbsent).toBe(true);
    await mountOem({...ctx, step: 'mount-oem'});
    expect(sys.calls).not.toContain('waitForDevice LABEL=COS_OEM');
    expect(ctx.boot.warnings).toMatchObject([{item: 'LABEL=COS_OEM'}]);
  });
});

describe('one look per device event, shared by every waiting volume', () => {
  const DATA: LuksContainer = {
    device: '/dev/vdc1',
    name: 'vdc1',
    version: 2,
    label: 'DATA2_LUKS',
    tokens: [],
  };
  const layout = 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=DATA2:/data2 LABEL=DATA3:/data3"';

  it('a plain OEM settles unlock-oem with one superblock scan and no LUKS header read', async () => {
    const {sys} = machine({luks: []});
    sys.devices.push({device: '/dev/vda2', info: {fstype: 'ext4', label: 'COS_OEM'}});
    const ctx = stepContext(sys, {step: 'unlock-oem'});
    await unlockOem(ctx);
    expect(sys.scans).toEqual({luks: 0, superblocks: 1});
    expect(ctx.boot.unlocks).toEqual([]);
    expect(ctx.boot.mappers.size).toBe(0);
  });

  it('an OEM mapper open already (dm) is still looked up in the headers, and reused', async () => {
    const {sys} = machine({
      luks: [{device: '/dev/vda2', name: 'vda2', version: 2, partLabel: 'oem', tokens: [], openAs: 'vda2'}],
    });
    sys.devices.push({device: '/dev/mapper/vda2', info: {fstype: 'ext4', label: 'COS_OEM'}});
    const ctx = stepContext(sys, {step: 'unlock-oem'});
    await unlockOem(ctx);
    expect(sys.scans).toEqual({luks: 1, superblocks: 1});
    expect(ctx.boot.unlocks).toMatchObject([{volume: 'LABEL=COS_OEM', outcome: 'reused'}]);
  });

  it('three volumes coming one per event: one superblock and one header scan per look, not one per volume', async () => {
    const {sys} = machine({
      luks: [],
      blockEvents: [
        (s) => s.luks.push(PERSISTENT),
        (s) => s.devices.push({device: '/dev/vdd1', info: {fstype: 'ext4', label: 'DATA3'}}),
        (s) => s.luks.push(DATA),
      ],
    });
    const ctx = stepContext(sys, {layout, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    // The first look and one per event: 4 looks. Waiting per volume made it up to 3 scans a look.
    expect(sys.scans).toEqual({luks: 4, superblocks: 4});
    expect(sys.calls.filter((c) => c.startsWith('waitForBlock'))).toHaveLength(1);
    expect(ctx.boot.unlocks.map((u) => `${u.volume} ${u.outcome}`).sort()).toEqual([
      'LABEL=COS_PERSISTENT unlocked',
      'LABEL=DATA2 unlocked',
    ]);
    expect(ctx.boot.absent.size).toBe(0);
  });

  it('once every waiting volume is a plain filesystem, the look reads no LUKS header', async () => {
    const {sys} = machine({
      luks: [],
      blockEvents: [
        (s) => s.devices.push({device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}}),
      ],
    });
    const ctx = stepContext(sys, {layout: LAYOUT, step: 'unlock-volumes'});
    await unlockVolumes(ctx);
    // Look 1: COS_PERSISTENT missing → headers read; look 2: only COS_PERSISTENT pending, plain → none.
    expect(sys.scans).toEqual({luks: 1, superblocks: 2});
    expect(ctx.boot.unlocks).toEqual([]);
    expect(ctx.boot.absent.size).toBe(0);
  });

  it('a volume that never comes: the others are decided, it alone is absent, after one shared wait', async () => {
    const {sys} = machine({luks: [PERSISTENT], blockEvents: [() => undefined, () => undefined]});
    const ctx = stepContext(sys, {
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=GONE:/gone"',
      step: 'unlock-volumes',
    });
    await unlockVolumes(ctx);
    expect(sys.scans).toEqual({luks: 3, superblocks: 3});
    expect([...ctx.boot.absent]).toEqual(['LABEL=GONE']);
    expect(ctx.boot.unlocks).toMatchObject([{volume: 'LABEL=COS_PERSISTENT', outcome: 'unlocked'}]);
  });
});
