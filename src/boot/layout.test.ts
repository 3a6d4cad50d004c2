import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import type {BootConfig} from './boot-config.ts';
import {parseDotenv as parseDotenvDirect} from './dotenv.ts';
import {decideLayout, type Layout, type LayoutFiles, parseDotenv} from './layout.ts';
import {compareMountOrder} from './names.ts';
import {parseVolume, type Volume} from './volume.ts';

/** A BootConfig as parseCmdline would build it for `raw`; only the fields the layout reads matter. */
function makeConfig(partial: Partial<BootConfig> = {}): BootConfig {
  return {
    raw: '',
    overlay: {kind: 'tmpfs', size: '20%'},
    mounts: [],
    oemTimeoutSec: 5,
    devTimeoutSec: 60,
    volumeTimeoutSec: 10,
    sysrootWaitSec: 120,
    debugRw: false,
    disable: false,
    debug: false,
    rebootOnFailure: false,
    breakBefore: [],
    netboot: false,
    fsck: {mode: 'auto', repair: 'preen'},
    activate: {lvm: true, md: true},
    consoles: [],
    dotNotation: [],
    problems: [],
    ...partial,
  };
}

/** A config whose cmdline holds `rd.immucore.mount=<spec>` for each spec. */
function withMounts(...specs: string[]): BootConfig {
  const mounts = specs.map((s) => {
    const v = parseVolume(s);
    if (!v.ok) throw new Error(`bad test volume ${s}`);
    return v.value;
  });
  return makeConfig({raw: specs.map((s) => `rd.immucore.mount=${s}`).join(' '), mounts});
}

const vol = (device: string, mountpoint: string): Volume => ({device, mountpoint});
const DEFAULT_RW = ['/etc', '/home', '/opt', '/root', '/srv', '/var', '/usr/local'];
const PERSISTENT_VOLUME = 'VOLUMES=LABEL=COS_PERSISTENT:/usr/local';
const KAIROS_PERSISTENT = `/etc/cni /etc/init.d /etc/iscsi /etc/k0s /etc/kubernetes /etc/modprobe.d /etc/pwx
  /etc/rancher /etc/runlevels /etc/ssh /etc/ssl/certs /etc/sysconfig /etc/systemd /etc/zfs /home /opt /root
  /usr/libexec /var/cores /var/log /var/lib/ca-certificates /var/lib/cni /var/lib/containerd /var/lib/calico
  /var/lib/dbus /var/lib/etcd /var/lib/extensions /var/lib/confexts /var/lib/k0s /var/lib/kubelet
  /var/lib/longhorn /var/lib/osd /var/lib/rancher /var/lib/rook /var/lib/tailscale /var/lib/wicked
  /var/lib/kairos`.replaceAll(/\s+/g, ' ');

describe('parseDotenv', () => {
  it('is re-exported from the dotenv module (tested in dotenv.test.ts)', () => {
    expect(parseDotenv).toBe(parseDotenvDirect);
  });
});

describe('decideLayout', () => {
  type Case = LayoutFiles & {name: string; config?: BootConfig; want: Partial<Layout>; warnings?: RegExp[]};
  const valid: Case[] = [
    {
      name: 'no layout file gives the defaults',
      want: {
        rwPaths: DEFAULT_RW,
        persistentPaths: [],
        persistentTarget: '/usr/local/.state',
        persistentBind: true,
        volumes: [],
        overlay: {kind: 'tmpfs', size: '20%'},
      },
    },
    {
      name: 'an empty file gives the defaults',
      layout: '',
      extra: '',
      want: {rwPaths: DEFAULT_RW, persistentPaths: []},
    },
    {name: 'an empty RW_PATHS means the default', layout: 'RW_PATHS=', want: {rwPaths: DEFAULT_RW}},
    {name: 'a blank quoted RW_PATHS means the default', layout: 'RW_PATHS="  "', want: {rwPaths: DEFAULT_RW}},
    {
      name: 'RW_PATHS in mount order',
      layout: 'RW_PATHS="/var/lib /var /etc"',
      want: {rwPaths: ['/etc', '/var', '/var/lib']},
    },
    {
      name: 'paths are normalised and de-duplicated',
      layout: 'RW_PATHS="/var//lib/ /etc /etc/ /./srv  /var/lib"',
      want: {rwPaths: ['/etc', '/srv', '/var/lib']},
    },
    {
      name: 'CUSTOM_EPHEMERAL_MOUNTS adds to the default RW_PATHS',
      layout: 'CUSTOM_EPHEMERAL_MOUNTS="/var/lib/x /etc"',
      want: {rwPaths: [...DEFAULT_RW, '/var/lib/x']},
    },
    {
      name: 'CUSTOM_EPHEMERAL_MOUNTS adds to RW_PATHS',
      layout: 'RW_PATHS=/etc\nCUSTOM_EPHEMERAL_MOUNTS=/data',
      want: {rwPaths: ['/data', '/etc']},
    },
    {
      name: 'persistent paths from both files, merged in mount order',
      layout: `RW_PATHS=/var\nPERSISTENT_STATE_PATHS="/var/log /etc/ssh"\nCUSTOM_BIND_MOUNTS=/var/lib/k3s\n${PERSISTENT_VOLUME}`,
      extra: 'PERSISTENT_STATE_PATHS="/etc/ssh /srv/data"\nCUSTOM_BIND_MOUNTS="/usr/libexec"',
      want: {persistentPaths: ['/etc/ssh', '/srv/data', '/usr/libexec', '/var/log', '/var/lib/k3s']},
    },
    {
      name: 'PERSISTENT_STATE_TARGET is normalised',
      layout: `RW_PATHS=/var\nPERSISTENT_STATE_TARGET=/usr/local/state/\nPERSISTENT_STATE_PATHS=/etc/ssh\n${PERSISTENT_VOLUME}`,
      want: {persistentTarget: '/usr/local/state'},
    },
    ...[
      ...['false', 'FALSE', 'no', '0'].map((v) => ({v, want: false})),
      ...['true', 'Yes', '1', '""'].map((v) => ({v, want: true})),
    ].map(({v, want}) => ({
      name: `PERSISTENT_STATE_BIND=${v}`,
      layout: `PERSISTENT_STATE_BIND=${v}`,
      want: {persistentBind: want},
    })),
    {
      name: 'cmdline volumes come first, then VOLUMES',
      config: withMounts('UUID=1234:/data'),
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local  /dev/vdb1:/srv/data/"',
      want: {
        volumes: [
          vol('UUID=1234', '/data'),
          vol('LABEL=COS_PERSISTENT', '/usr/local'),
          vol('/dev/vdb1', '/srv/data'),
        ],
      },
      warnings: [/^\/usr\/local is an RW path \(the default RW_PATHS\)/],
    },
    {
      name: 'the same volume twice is one volume',
      config: withMounts('LABEL=DATA:/data'),
      layout: 'VOLUMES="LABEL=DATA:/data LABEL=DATA:/data/"',
      want: {volumes: [vol('LABEL=DATA', '/data')]},
    },
    {
      name: 'VOLUMES moves a cmdline device to another mountpoint',
      config: withMounts('LABEL=DATA:/data'),
      layout: 'VOLUMES=LABEL=DATA:/srv/data',
      want: {volumes: [vol('LABEL=DATA', '/srv/data')]},
      warnings: [/volume LABEL=DATA:\/srv\/data moves LABEL=DATA from \/data \(the kernel cmdline\)/],
    },
    {
      name: 'OVERLAY sets the backing',
      layout: 'OVERLAY=tmpfs:25%',
      want: {overlay: {kind: 'tmpfs', size: '25%'}, overlayLine: 'OVERLAY=tmpfs:25%'},
    },
    {
      name: 'OVERLAY may be a device',
      layout: 'OVERLAY=LABEL=COS_OVERLAY',
      want: {overlay: {kind: 'device', device: 'LABEL=COS_OVERLAY'}},
    },
    {
      name: 'without OVERLAY the cmdline overlay stays',
      config: makeConfig({overlay: {kind: 'device', device: 'UUID=abcd'}}),
      layout: 'OVERLAY=',
      want: {overlay: {kind: 'device', device: 'UUID=abcd'}},
    },
    {
      name: 'export, quotes, comments and a later duplicate',
      layout: `# written by the rootfs stage\nexport RW_PATHS='/var /etc' # ephemeral\nOVERLAY="tmpfs:1G"\nRW_PATHS="/srv"\n`,
      want: {rwPaths: ['/srv'], overlay: {kind: 'tmpfs', size: '1G'}},
    },
    {
      name: 'the Kairos default layout',
      layout: `RW_PATHS="/var /etc /srv"\nPERSISTENT_STATE_PATHS="${KAIROS_PERSISTENT}"\nPERSISTENT_STATE_BIND="true"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\nOVERLAY="tmpfs:25%"\n`,
      want: {
        rwPaths: ['/etc', '/srv', '/var'],
        persistentPaths: KAIROS_PERSISTENT.split(' ').sort(compareMountOrder),
        volumes: [vol('LABEL=COS_PERSISTENT', '/usr/local')],
        overlay: {kind: 'tmpfs', size: '25%'},
      },
    },
    {
      name: 'a volume on a default RW path takes it over, with a warning',
      layout: PERSISTENT_VOLUME,
      want: {
        rwPaths: DEFAULT_RW.filter((p) => p !== '/usr/local'),
        volumes: [vol('LABEL=COS_PERSISTENT', '/usr/local')],
      },
      warnings: [
        /^\/usr\/local is an RW path \(the default RW_PATHS\) and the mountpoint of volume LABEL=COS/,
      ],
    },
    {
      name: 'a persistent path in the default RW_PATHS stays persistent, with a warning',
      layout: `PERSISTENT_STATE_PATHS=/home\n${PERSISTENT_VOLUME}`,
      want: {rwPaths: ['/etc', '/opt', '/root', '/srv', '/var'], persistentPaths: ['/home']},
      warnings: [
        /^\/home is both ephemeral \(the default RW_PATHS\) and persistent/,
        /\/usr\/local is an RW path/,
      ],
    },
    {
      name: 'nested persistent paths are both kept, with a warning',
      layout: `RW_PATHS=/var\nPERSISTENT_STATE_PATHS="/etc/ssh/keys /etc/ssh"\n${PERSISTENT_VOLUME}`,
      want: {persistentPaths: ['/etc/ssh', '/etc/ssh/keys']},
      warnings: [/persistent path \/etc\/ssh\/keys lies below persistent path \/etc\/ssh/],
    },
    {
      name: 'persistent state on the tmpfs overlay is lost at reboot',
      layout: 'PERSISTENT_STATE_PATHS=/etc/ssh',
      want: {persistentPaths: ['/etc/ssh']},
      warnings: [/\/usr\/local\/.state is on no volume: .*tmpfs overlay and is lost at reboot/],
    },
    {
      name: 'persistent state on the read-only root cannot be written',
      layout: 'RW_PATHS=/var\nPERSISTENT_STATE_PATHS=/etc/ssh',
      want: {persistentPaths: ['/etc/ssh']},
      warnings: [/is on no volume: .*read-only root image/],
    },
    {
      name: 'persistent state on a device-backed overlay is kept',
      layout: 'OVERLAY=LABEL=COS_OVERLAY\nPERSISTENT_STATE_PATHS=/etc/ssh',
      want: {persistentPaths: ['/etc/ssh']},
    },
    {
      name: 'persistent state below a cmdline volume is kept',
      config: withMounts('LABEL=STATE:/state'),
      layout: 'PERSISTENT_STATE_TARGET=/state/x\nPERSISTENT_STATE_PATHS=/etc/ssh',
      want: {persistentTarget: '/state/x', volumes: [vol('LABEL=STATE', '/state')]},
    },
    {
      name: 'other variables in extra-layout.env are ignored, with a warning',
      extra: 'RW_PATHS=/srv\nPERSISTENT_STATE_PATHS=',
      want: {rwPaths: DEFAULT_RW},
      warnings: [/extra-layout.env:1: RW_PATHS is not read from extra-layout.env, ignoring\.$/],
    },
  ];
  it.each(valid)('$name', ({config, layout, extra, want, warnings = []}) => {
    const got = decideLayout(config ?? makeConfig(), {layout, extra});
    expect(got.errors).toEqual([]);
    expect(got.value).toMatchObject(want);
    expect(got.warnings.map((w) => w.message)).toEqual(warnings.map((w) => expect.stringMatching(w)));
    for (const w of got.warnings) expect(w.hint).not.toBe('');
  });

  type Bad = LayoutFiles & {
    name: string;
    config?: BootConfig;
    input: string;
    error: RegExp;
    hint: RegExp;
    want?: Partial<Layout>;
  };
  const invalid: Bad[] = [
    {
      name: 'a malformed line is skipped, the rest is used',
      layout: 'RW_PATHS=/etc\nPERSISTENT_STATE_PATHS /etc/ssh',
      input: 'PERSISTENT_STATE_PATHS /etc/ssh',
      error: /cos-layout.env:2: .*has no "="/,
      hint: /KEY=value/,
      want: {rwPaths: ['/etc'], persistentPaths: []},
    },
    {
      name: 'a bad key',
      layout: ' 1RW_PATHS=/etc ',
      input: '1RW_PATHS=/etc',
      error: /:1: .*invalid variable name/,
      hint: /RW_PATHS=/,
      want: {rwPaths: DEFAULT_RW},
    },
    {
      name: 'an unterminated quote',
      layout: 'RW_PATHS="/etc /var',
      input: 'RW_PATHS="/etc /var',
      error: /:1: .*unterminated double quote/,
      hint: /Close the quote/,
      want: {rwPaths: DEFAULT_RW},
    },
    {
      name: 'a malformed line in extra-layout.env',
      extra: "CUSTOM_BIND_MOUNTS='/x",
      input: "CUSTOM_BIND_MOUNTS='/x",
      error: /extra-layout.env:1: .*unterminated single quote/,
      hint: /Close the quote/,
    },
    {
      name: 'a relative RW path',
      layout: 'RW_PATHS="/etc var/lib"',
      input: 'var/lib',
      error: /cos-layout.env:1 RW_PATHS: path "var\/lib" is not an absolute path/,
      hint: /absolute ephemeral paths .*RW_PATHS=/,
      want: {rwPaths: ['/etc']},
    },
    {
      name: 'a persistent path with ..',
      layout: 'PERSISTENT_STATE_PATHS=/etc/../root',
      input: '/etc/../root',
      error: /PERSISTENT_STATE_PATHS: path "\/etc\/..\/root" contains ".."/,
      hint: /absolute persistent paths/,
      want: {persistentPaths: []},
    },
    {
      name: 'a relative CUSTOM_BIND_MOUNTS path in extra-layout.env',
      extra: 'CUSTOM_BIND_MOUNTS=data',
      input: 'data',
      error: /extra-layout.env:1 CUSTOM_BIND_MOUNTS: path "data"/,
      hint: /CUSTOM_BIND_MOUNTS="\/etc\/ssh/,
    },
    {
      name: '/ as an RW path',
      layout: 'RW_PATHS="/ /etc"',
      input: '/',
      error: /RW_PATHS: path "\/" would make the whole root ephemeral/,
      hint: /Remove "\/" and list the directories/,
      want: {rwPaths: ['/etc']},
    },
    {
      name: '/ as a persistent path',
      layout: 'CUSTOM_BIND_MOUNTS="//"',
      input: '//',
      error: /CUSTOM_BIND_MOUNTS: path "\/\/" would make the whole root persistent/,
      hint: /Remove "\/\/"/,
      want: {persistentPaths: []},
    },
    {
      name: 'a bad PERSISTENT_STATE_BIND',
      layout: 'PERSISTENT_STATE_BIND=maybe # ?',
      input: 'PERSISTENT_STATE_BIND=maybe # ?',
      error: /:1: PERSISTENT_STATE_BIND "maybe" is not true\/false/,
      hint: /PERSISTENT_STATE_BIND=true .* PERSISTENT_STATE_BIND=false/,
      want: {persistentBind: true},
    },
    {
      name: 'a relative PERSISTENT_STATE_TARGET',
      layout: 'PERSISTENT_STATE_TARGET=state',
      input: 'PERSISTENT_STATE_TARGET=state',
      error: /PERSISTENT_STATE_TARGET "state" is not an absolute path; using the default/,
      hint: /PERSISTENT_STATE_TARGET=\/usr\/local\/.state/,
      want: {persistentTarget: '/usr/local/.state'},
    },
    {
      name: 'a bad OVERLAY',
      config: makeConfig({overlay: {kind: 'tmpfs', size: '30%'}}),
      layout: 'export OVERLAY=tmpfs:lots',
      input: 'export OVERLAY=tmpfs:lots',
      error: /OVERLAY "tmpfs:lots" "lots" is not a size/,
      hint: /tmpfs:20%/,
      want: {overlay: {kind: 'tmpfs', size: '30%'}},
    },
    {
      name: 'a volume without a mountpoint',
      layout: 'VOLUMES="LABEL=DATA LABEL=X:/x"',
      input: 'LABEL=DATA',
      error: /cos-layout.env:1 VOLUMES: volume "LABEL=DATA" has no mountpoint/,
      hint: /LABEL=DATA:\/var\/lib\/data/,
      want: {volumes: [vol('LABEL=X', '/x')]},
    },
    {
      name: 'a volume with a bad device',
      layout: 'VOLUMES=sda1:/x',
      input: 'sda1:/x',
      error: /volume "sda1:\/x" "sda1" is not LABEL=/,
      hint: /<device>:<mountpoint>/,
      want: {volumes: []},
    },
    {
      name: 'a volume on /',
      layout: 'VOLUMES=LABEL=X:/',
      input: 'LABEL=X:/',
      error: /mountpoint "\/" would hide the root image/,
      hint: /<mountpoint>/,
    },
    {
      name: 'two devices on one mountpoint in VOLUMES',
      layout: 'VOLUMES="LABEL=A:/data UUID=b:/data/"',
      input: 'UUID=b:/data/',
      error: /volume UUID=b:\/data\/ and volume LABEL=A:\/data .*both mount on \/data; keeping UUID=b/,
      hint: /Mount one device on \/data/,
      want: {volumes: [vol('UUID=b', '/data')]},
    },
    {
      name: 'a VOLUMES device on a cmdline mountpoint',
      config: withMounts('LABEL=A:/data'),
      layout: 'VOLUMES=LABEL=B:/data',
      input: 'LABEL=B:/data',
      error: /volume rd.immucore.mount=LABEL=A:\/data \(the kernel cmdline\) both mount on \/data/,
      hint: /Mount one device/,
      want: {volumes: [vol('LABEL=B', '/data')]},
    },
    {
      name: 'an RW path that is also persistent',
      layout: `RW_PATHS="/etc /var"\nPERSISTENT_STATE_PATHS=/etc/\n${PERSISTENT_VOLUME}`,
      input: '/etc',
      error:
        /^\/etc is both ephemeral \(.*cos-layout.env:1 RW_PATHS\) and persistent \(.*:2 PERSISTENT_STATE_PATHS\)/,
      hint: /Remove \/etc from RW_PATHS/,
      want: {rwPaths: ['/var'], persistentPaths: ['/etc']},
    },
    {
      name: 'a custom ephemeral mount that is persistent in extra-layout.env',
      layout: `RW_PATHS=/var\nCUSTOM_EPHEMERAL_MOUNTS=/data\n${PERSISTENT_VOLUME}`,
      extra: 'PERSISTENT_STATE_PATHS=/data',
      input: '/data',
      error: /extra-layout.env:1 PERSISTENT_STATE_PATHS/,
      hint: /from CUSTOM_EPHEMERAL_MOUNTS/,
      want: {rwPaths: ['/var'], persistentPaths: ['/data']},
    },
    {
      name: 'a volume on an explicit RW path',
      layout: 'RW_PATHS="/etc /srv//data"\nVOLUMES=LABEL=DATA:/srv/data',
      input: '/srv//data',
      error: /^\/srv\/data is an RW path \(.*RW_PATHS\) and the mountpoint of volume LABEL=DATA:\/srv\/data/,
      hint: /Remove \/srv\/\/data from RW_PATHS/,
      want: {rwPaths: ['/etc'], volumes: [vol('LABEL=DATA', '/srv/data')]},
    },
    {
      name: 'a cmdline volume on an explicit RW path',
      config: withMounts('UUID=9:/srv'),
      layout: 'RW_PATHS=/srv',
      input: '/srv',
      error: /mountpoint of volume rd.immucore.mount=UUID=9:\/srv \(the kernel cmdline\)/,
      hint: /Remove \/srv/,
      want: {rwPaths: []},
    },
  ];
  it.each(invalid)('$name', ({config, layout, extra, input, error, hint, want}) => {
    const got = decideLayout(config ?? makeConfig(), {layout, extra});
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]).toMatchObject({level: 'error', input});
    expect(got.errors[0]?.message).toMatch(error);
    expect(got.errors[0]?.hint).toMatch(hint);
    if (want) expect(got.value).toMatchObject(want);
  });

  const segment = fc.constantFrom('etc', 'var', 'lib', 'ssh', 'usr', 'local', 'data', '..', '.', '', 'a#b');
  const path = fc
    .tuple(fc.constantFrom('/', '', '//'), fc.array(segment, {maxLength: 4}))
    .map(([lead, parts]) => lead + parts.join('/'));
  const device = fc.constantFrom('LABEL=COS_PERSISTENT', 'LABEL=DATA', 'UUID=1', '/dev/vdb', 'sda', 'LABEL=');
  const volume = fc.tuple(device, fc.constantFrom(':', ''), path).map((p) => p.join(''));
  const key = fc.constantFrom(
    'RW_PATHS',
    'PERSISTENT_STATE_PATHS',
    'CUSTOM_BIND_MOUNTS',
    'CUSTOM_EPHEMERAL_MOUNTS',
    'PERSISTENT_STATE_TARGET',
    'PERSISTENT_STATE_BIND',
    'VOLUMES',
    'OVERLAY',
    'OTHER',
  );
  const value = fc.oneof(
    fc.array(fc.oneof(path, volume), {maxLength: 5}).map((w) => w.join(' ')),
    fc.constantFrom('true', 'no', 'maybe', 'tmpfs:25%', 'tmpfs:x', 'LABEL=OV', ''),
    fc.string(),
  );
  const quoted = fc
    .tuple(value, fc.constantFrom('', "'", '"'))
    .map(([v, q]) => (q === '"' ? `"${v.replace(/[\\"$`]/g, (c) => `\\${c}`)}"` : `${q}${v}${q}`));
  const line = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('', 'export ', '  '),
        key,
        fc.constantFrom('=', ' = '),
        quoted,
        fc.constantFrom('', ' # c'),
      )
      .map((p) => p.join('')),
    fc.tuple(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/), fc.string()).map(([k, v]) => `${k}=${v}`),
    fc.string(),
  );
  const text = fc.option(
    fc.array(line, {maxLength: 10}).map((l) => l.join('\n')),
    {nil: undefined},
  );
  const config = fc.array(fc.tuple(device, path), {maxLength: 3}).map((pairs) => {
    const specs = pairs.map(([d, p]) => `${d}:${p}`).filter((s) => parseVolume(s).ok);
    return withMounts(...specs);
  });

  it('records the OVERLAY line only when the overlay came from the file', () => {
    const fromCmdline = decideLayout(makeConfig({overlay: {kind: 'tmpfs', size: '30%'}}), {
      layout: 'OVERLAY=',
    });
    expect(fromCmdline.value.overlayLine).toBeUndefined();
    const invalid = decideLayout(makeConfig(), {layout: 'OVERLAY=tmpfs:lots'});
    expect(invalid.value.overlayLine).toBeUndefined();
    expect(decideLayout(makeConfig(), {layout: 'OVERLAY="tmpfs:48M"'}).value.overlayLine).toBe(
      'OVERLAY="tmpfs:48M"',
    );
  });

  it('never throws, and every problem names text from the input', () => {
    fc.assert(
      fc.property(config, text, text, (cfg, layout, extra) => {
        const got = decideLayout(cfg, {layout, extra});
        const haystack = [layout ?? '', extra ?? '', cfg.raw];
        for (const p of [...got.errors, ...got.warnings]) {
          expect(haystack.some((h) => h.includes(p.input))).toBe(true);
          expect(p.message).not.toBe('');
          expect(p.hint).not.toBe('');
        }
      }),
      {numRuns: 500},
    );
  });

  it('always gives a consistent layout', () => {
    fc.assert(
      fc.property(config, text, text, (cfg, layout, extra) => {
        const {value} = decideLayout(cfg, {layout, extra});
        const mountpoints = value.volumes.map((v) => v.mountpoint);
        for (const list of [value.rwPaths, value.persistentPaths]) {
          expect([...list].sort(compareMountOrder)).toEqual(list);
          expect(new Set(list).size).toBe(list.length);
          for (const p of list) expect(p).toMatch(/^(\/[^/]+)+$/);
        }
        for (const p of value.rwPaths) {
          expect(value.persistentPaths).not.toContain(p);
          expect(mountpoints).not.toContain(p);
        }
        expect(new Set(mountpoints).size).toBe(mountpoints.length);
        expect(new Set(value.volumes.map((v) => v.device)).size).toBe(value.volumes.length);
      }),
      {numRuns: 500},
    );
  });
});
