import {describe, expect, it} from 'vitest';
import type {BootConfig} from './boot-config.ts';
import {parseCmdline} from './cmdline.ts';
import {OVERLAY_HINT, VOLUME_HINT} from './volume.ts';

const PREFIXES = ['rd.immucore.', 'rd.cos.'] as const;
const FLAGS = [
  ['debugrw', 'debugRw'],
  ['disable', 'disable'],
  ['debug', 'debug'],
  ['rebootonfailure', 'rebootOnFailure'],
] as const;
const TIMEOUTS = [
  ['oemtimeout', 'oemTimeoutSec', 5],
  ['devtimeout', 'devTimeoutSec', 60],
  ['volumetimeout', 'volumeTimeoutSec', 10],
  ['sysrootwait', 'sysrootWaitSec', 120],
] as const;

const PRECEDENCE: Array<[string, string, string, Partial<BootConfig>]> = [
  ['overlay', 'tmpfs:30%', 'tmpfs:40%', {overlay: {kind: 'tmpfs', size: '30%'}}],
  ['oemlabel', 'NEW', 'OLD', {oemLabel: 'NEW'}],
  ['oemtimeout', '7', 'bad', {oemTimeoutSec: 7}],
  ['debug', '1', '0', {debug: true}],
  ['memory', 'server', 'desktop', {memory: 'server'}],
  ['mount', 'LABEL=NEW:/d', 'LABEL=OLD:/d', {mounts: [{device: 'LABEL=NEW', mountpoint: '/d'}]}],
];

describe('parseCmdline', () => {
  it('fills every field with its default on an empty cmdline', () => {
    expect(parseCmdline('')).toEqual({
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
    } satisfies BootConfig);
  });

  const ok = (name: string, cmdline: string, want: Partial<BootConfig>) => ({name, cmdline, want});
  const valid = [
    ok(
      'a typical disk boot sets root, image and console',
      'BOOT_IMAGE=/cOS/vmlinuz console=tty1 root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img panic=5',
      {root: 'LABEL=COS_ACTIVE', imageFile: '/cOS/active.img', consoles: ['tty1']},
    ),
    ok('tabs and newlines separate tokens', 'rd.immucore.debug\t\nnetboot\n', {debug: true, netboot: true}),
    ok('the image path is normalised', 'cos-img/filename=/cOS//./passive.img', {
      imageFile: '/cOS/passive.img',
    }),
    ok('the last image file wins', 'cos-img/filename=/a.img cos-img/filename=/b.img', {imageFile: '/b.img'}),
    ok('unrelated and look-alike tokens are ignored', 'quiet rd.neednet=1 rd.immucorex=1 rd.cosy', {}),
    ...PREFIXES.flatMap((p) => [
      ok(`${p}overlay takes a percentage`, `${p}overlay=tmpfs:25%`, {overlay: {kind: 'tmpfs', size: '25%'}}),
      ok(`${p}overlay takes a size`, `${p}overlay=tmpfs:512m`, {overlay: {kind: 'tmpfs', size: '512M'}}),
      ok(`${p}overlay takes a label`, `${p}overlay=LABEL=OVL`, {
        overlay: {kind: 'device', device: 'LABEL=OVL'},
      }),
      ok(`${p}overlay takes a uuid`, `${p}overlay=UUID=1-2`, {overlay: {kind: 'device', device: 'UUID=1-2'}}),
      ok(`${p}mount adds a volume`, `${p}mount=LABEL=D:/data`, {
        mounts: [{device: 'LABEL=D', mountpoint: '/data'}],
      }),
      ok(`${p}oemlabel sets the label`, `${p}oemlabel=MY_OEM`, {oemLabel: 'MY_OEM'}),
      ok(`${p}break lists steps`, `${p}break=mount-root,,report`, {breakBefore: ['mount-root', 'report']}),
      ok(`${p}memory keeps the raw value`, `${p}memory=nonsense`, {memory: 'nonsense'}),
      ...FLAGS.flatMap(([s, field]) => [
        ok(`${p}${s} bare turns it on`, `${p}${s}`, {[field]: true}),
        ...['1', 'yes', 'true', 'TRUE'].map((v) =>
          ok(`${p}${s}=${v} turns it on`, `${p}${s}=${v}`, {[field]: true}),
        ),
        ...['0', 'no', 'false'].map((v) =>
          ok(`${p}${s}=${v} leaves it off`, `${p}${s}=${v}`, {[field]: false}),
        ),
        ok(`the last ${p}${s} wins`, `${p}${s} ${p}${s}=0`, {[field]: false}),
      ]),
      ...TIMEOUTS.flatMap(([s, field]) => [
        ok(`${p}${s} sets seconds`, `${p}${s}=42`, {[field]: 42}),
        ok(`${p}${s}=0 is allowed`, `${p}${s}=0`, {[field]: 0}),
        ok(`the last ${p}${s} wins`, `${p}${s}=1 ${p}${s}=2`, {[field]: 2}),
      ]),
    ]),
    ...PRECEDENCE.flatMap(([s, mine, old, want]) => [
      ok(
        `rd.immucore.${s} wins over a later rd.cos.${s}`,
        `rd.immucore.${s}=${mine} rd.cos.${s}=${old}`,
        want,
      ),
      ok(
        `rd.immucore.${s} wins over an earlier rd.cos.${s}`,
        `rd.cos.${s}=${old} rd.immucore.${s}=${mine}`,
        want,
      ),
    ]),
    ok(
      'mounts keep one volume per mountpoint, later wins, in cmdline order',
      'rd.immucore.mount=LABEL=A:/a rd.immucore.mount=/dev/sdb1:/b rd.immucore.mount=UUID=c:/a/',
      {
        mounts: [
          {device: '/dev/sdb1', mountpoint: '/b'},
          {device: 'UUID=c', mountpoint: '/a'},
        ],
      },
    ),
    ok(
      'legacy and new mounts on different mountpoints add up',
      'rd.cos.mount=LABEL=A:/a rd.immucore.mount=LABEL=B:/b',
      {
        mounts: [
          {device: 'LABEL=A', mountpoint: '/a'},
          {device: 'LABEL=B', mountpoint: '/b'},
        ],
      },
    ),
    ok(
      'break lists accumulate without duplicates',
      'rd.immucore.break=mount-root,mount-oem rd.cos.break=mount-oem,report rd.immucore.break=mount-root',
      {
        breakBefore: ['mount-root', 'mount-oem', 'report'],
      },
    ),
    ok("dracut's rd.shell=0 turns the shell off", 'rd.shell=0 rd.emergency=reboot', {
      shell: false,
      emergency: 'reboot',
    }),
    ok('a bare rd.shell, or the last rd.shell, turns it on', 'rd.shell=off rd.shell', {shell: true}),
    ok('any rd.break turns the shell on, wherever rd.shell=0 is', 'rd.break=pre-mount rd.shell=0', {
      shell: true,
    }),
    ok('the legacy rdshell counts as rd.shell', 'rdshell=0', {shell: false}),
    ok('root=live:CDLABEL sets root and live', 'root=live:CDLABEL=L', {
      root: 'live:CDLABEL=L',
      live: 'CDLABEL=L',
    }),
    ok('a bare live:LABEL token sets live', 'live:LABEL=COS_RECOVERY', {
      live: 'LABEL=COS_RECOVERY',
      root: undefined,
    }),
    ok('the last live token wins', 'root=live:CDLABEL=A live:LABEL=B', {live: 'LABEL=B'}),
    ok('netboot sets netboot', 'netboot', {netboot: true}),
    ...(['auto', 'skip', 'force'] as const).map((m) =>
      ok(`fsck.mode=${m}`, `fsck.mode=${m}`, {fsck: {mode: m, repair: 'preen'}}),
    ),
    ...(['preen', 'yes', 'no'] as const).map((r) =>
      ok(`fsck.repair=${r}`, `fsck.repair=${r}`, {fsck: {mode: 'auto', repair: r}}),
    ),
    ok("dracut's rd.lvm=0 turns off LVM activation", 'rd.lvm=0', {activate: {lvm: false, md: true}}),
    ok("dracut's rd.md=no turns off md assembly", 'rd.md=no', {activate: {lvm: true, md: false}}),
    ok('rd.lvm=off then a bare rd.lvm: the last wins', 'rd.lvm=off rd.md=OFF rd.lvm', {
      activate: {lvm: true, md: false},
    }),
    ok('consoles drop options and duplicates', 'console=ttyS0,115200n8 console=tty1 console=ttyS0', {
      consoles: ['ttyS0', 'tty1'],
    }),
    ok('kairos.config_url sets the config url', 'kairos.config_url=http://x/c.yaml', {
      configUrl: 'http://x/c.yaml',
    }),
    ok('cos.setup is the legacy config url', 'cos.setup=/oem/c.yaml', {configUrl: '/oem/c.yaml'}),
    ok('kairos.config_url wins over a later cos.setup', 'kairos.config_url=a cos.setup=b', {configUrl: 'a'}),
    ok('kairos.config_url wins over an earlier cos.setup', 'cos.setup=b kairos.config_url=a', {
      configUrl: 'a',
    }),
    ok(
      'dot notation is kept raw and in order, = allowed in the value',
      'stages.i[0].c[0]=echo=hi stages.r[0].n=x',
      {
        dotNotation: [
          {key: 'stages.i[0].c[0]', value: 'echo=hi'},
          {key: 'stages.r[0].n', value: 'x'},
        ],
      },
    ),
  ];
  it.each(valid)('$name', ({cmdline, want}) => {
    const got = parseCmdline(cmdline);
    expect(got.problems).toEqual([]);
    expect(got).toMatchObject({raw: cmdline, ...want});
  });

  const bad = (input: string, message: RegExp, hint: RegExp | string, want: Partial<BootConfig> = {}) => ({
    name: `${input} is reported`,
    cmdline: `root=LABEL=COS_ACTIVE ${input} quiet`,
    input,
    message,
    hint,
    want,
  });
  const invalid = [
    ...PREFIXES.flatMap((p) => [
      ...TIMEOUTS.flatMap(([s, field, def]) => [
        bad(`${p}${s}=-5`, /is negative; using the default/, `e.g. ${p}${s}=${def}.`, {[field]: def}),
        bad(`${p}${s}=abc`, /not a whole number of seconds/, /Write whole seconds/, {[field]: def}),
        bad(`${p}${s}=5s`, /not a whole number of seconds/, /Write whole seconds/, {[field]: def}),
        bad(`${p}${s}=`, /is empty/, /Write whole seconds/, {[field]: def}),
        bad(`${p}${s}`, /is missing/, /Write whole seconds/, {[field]: def}),
        bad(`${p}${s}=99999999999999999999`, /is too large/, /Write whole seconds/, {[field]: def}),
      ]),
      ...FLAGS.flatMap(([s, field]) => [
        bad(`${p}${s}=maybe`, /"maybe" is not one of 1, 0, yes/, `e.g. ${p}${s}, or ${p}${s}=0`, {
          [field]: false,
        }),
        bad(`${p}${s}=`, /is empty; leaving it off/, /Write the flag bare/, {[field]: false}),
      ]),
      bad(`${p}overlay=tmpfs:lots`, /"lots" is not a size; using the default tmpfs:20%/, /tmpfs:20%/),
      bad(`${p}overlay=tmpfs:0`, /"0" is not a size/, OVERLAY_HINT),
      bad(`${p}overlay=nonsense`, /neither tmpfs:<size> nor a device/, OVERLAY_HINT),
      bad(`${p}overlay=`, /neither tmpfs:<size> nor a device/, OVERLAY_HINT),
      bad(`${p}overlay`, /the value is missing/, `${p}overlay=tmpfs:20%`),
      bad(`${p}mount=LABEL=X`, /has no mountpoint; skipping this volume/, VOLUME_HINT, {mounts: []}),
      bad(`${p}mount=LABEL=X:/`, /would hide the root image/, VOLUME_HINT),
      bad(`${p}mount=LABEL=X:/a/../b`, /contains "\.\."/, VOLUME_HINT),
      bad(`${p}mount=FOO=x:/a`, /is not LABEL=, UUID= or \/dev\//, VOLUME_HINT),
      bad(`${p}mount=LABEL=:/a`, /LABEL= has no value/, `${p}mount=LABEL=DATA:/var/lib/data`),
      bad(`${p}mount`, /is missing/, VOLUME_HINT),
      bad(`${p}oemlabel=`, /OEM label .* is empty; looking for COS_OEM/, `e.g. ${p}oemlabel=COS_OEM`, {
        oemLabel: undefined,
      }),
      bad(`${p}oemlabel`, /is missing/, /label of the OEM filesystem/),
      bad(`${p}memory=`, /Memory policy .* is empty/, `e.g. ${p}memory=server`, {memory: undefined}),
      bad(`${p}memory`, /is missing/, /presets: server, desktop, recovery, off/),
      bad(`${p}break=`, /names no step/, `e.g. ${p}break=mount-root`, {breakBefore: []}),
      bad(`${p}break=,`, /names no step/, /comma separated/),
      bad(`${p}break`, /is missing/, /Name the steps/),
      bad(
        `${p}break=mount-rot`,
        /is not valid: "mount-rot" is not a boot step; not stopping before "mount-rot"\.$/,
        `Did you mean mount-root? e.g. ${p}break=mount-root.`,
        {breakBefore: []},
      ),
      bad(`${p}break=mount-rot,write-fstab`, /"mount-rot" is not a boot step/, /Did you mean mount-root\?/, {
        breakBefore: ['write-fstab'],
      }),
      bad(`${p}break=Mount-RW-Path`, /"Mount-RW-Path" is not a boot step/, /Did you mean mount-rw-paths\?/),
      bad(
        `${p}break=frobnicate`,
        /"frobnicate" is not a boot step/,
        /immucore plan lists them\): sentinel, activate-devices, mount-tmp, mount-state, .*wait-sysroot, report\.$/,
      ),
    ]),
    bad(
      'cos-img/filename=cOS/active.img',
      /is not an absolute path/,
      /cos-img\/filename=\/cOS\/active\.img/,
      {imageFile: undefined},
    ),
    bad('cos-img/filename=/cOS/../x.img', /contains "\.\."/, /from the root of the images partition/),
    bad('cos-img/filename=', /is empty/, /e\.g\. cos-img\/filename=/),
    bad('root=', /Root .* is empty/, /root=LABEL=COS_ACTIVE/, {root: undefined}),
    bad('live:', /names no medium/, /live:LABEL=COS_RECOVERY/, {live: undefined}),
    bad(
      'fsck.mode=bogus',
      /"bogus" is not one of auto, skip, force; using the default auto/,
      /fsck\.mode=skip/,
    ),
    bad('fsck.mode', /is missing/, /one of auto, skip, force/),
    bad('fsck.repair=maybe', /not one of preen, yes, no; using the default preen/, /fsck\.repair=yes/),
    bad('console=', /names no device/, /console=ttyS0,115200n8/, {consoles: []}),
    bad('console=,115200', /names no device/, /console=tty1/),
    bad('kairos.config_url=', /is empty/, /kairos\.config_url=https:/, {configUrl: undefined}),
    bad('cos.setup=', /is empty/, /cos\.setup=https:/),
    bad('stages.initramfs[0].hostname', /is missing/, /stages\.initramfs\[0\]\.hostname=node-1/, {
      dotNotation: [],
    }),
  ];
  it.each(invalid)('$name', ({cmdline, input, message, hint, want}) => {
    const got = parseCmdline(cmdline);
    expect(got.problems).toHaveLength(1);
    const [p] = got.problems;
    expect(p).toMatchObject({level: 'error', input});
    expect(p?.message).toContain(`"${input}"`);
    expect(p?.message).toMatch(message);
    if (typeof hint === 'string') expect(p?.hint).toContain(hint);
    else expect(p?.hint).toMatch(hint);
    expect(got).toMatchObject(want);
  });

  it('applies the default when the last of several values is malformed', () => {
    const got = parseCmdline('rd.immucore.oemtimeout=7 rd.immucore.oemtimeout=x');
    expect(got.oemTimeoutSec).toBe(5);
    expect(got.problems.map((p) => p.input)).toEqual(['rd.immucore.oemtimeout=x']);
  });

  const unknown = [
    {input: 'rd.immucore.debg', hint: /Did you mean rd\.immucore\.debug\? It is a flag/},
    {input: 'rd.cos.oemtimout=3', hint: /Did you mean rd\.cos\.oemtimeout\? e\.g\. rd\.cos\.oemtimeout=5\./},
    {
      input: 'rd.immucore.OVERLAY=tmpfs:5%',
      hint: /Did you mean rd\.immucore\.overlay\? e\.g\. rd\.immucore\.overlay=tmpfs:20%/,
    },
    {input: 'rd.immucore.mounts=LABEL=A:/a', hint: /Did you mean rd\.immucore\.mount\?/},
    {
      input: 'rd.immucore.frobnicate=1',
      hint: /documented in SPEC §2 .*rd\.immucore\.overlay, rd\.immucore\.mount,/,
    },
    {input: 'rd.cos.', hint: /documented in SPEC §2 .*rd\.cos\.memory\./},
  ];
  it.each(unknown)('unknown stanza $input is a warning with a hint', ({input, hint}) => {
    const got = parseCmdline(`quiet ${input}`);
    expect(got.problems).toHaveLength(1);
    expect(got.problems[0]).toMatchObject({
      level: 'warning',
      input,
      message: expect.stringMatching(/Unknown stanza .*, ignoring\.$/),
    });
    expect(got.problems[0]?.hint).toMatch(hint);
  });

  it('reports each unknown step of a break list, and stops before the known ones', () => {
    const got = parseCmdline('rd.immucore.break=mount-rot,mount-oem,wrte-fstab');
    expect(got.breakBefore).toEqual(['mount-oem']);
    expect(got.problems.map((p) => [p.level, p.hint])).toEqual([
      ['error', 'Did you mean mount-root? e.g. rd.immucore.break=mount-root.'],
      ['error', 'Did you mean write-fstab? e.g. rd.immucore.break=write-fstab.'],
    ]);
  });

  it('lists problems in cmdline order', () => {
    const got = parseCmdline('rd.immucore.oemtimeout=x rd.immucore.foo fsck.mode=y rd.immucore.mount=bad');
    expect(got.problems.map((p) => p.input)).toEqual([
      'rd.immucore.oemtimeout=x',
      'rd.immucore.foo',
      'fsck.mode=y',
      'rd.immucore.mount=bad',
    ]);
  });
});
