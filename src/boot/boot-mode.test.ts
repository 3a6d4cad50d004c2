import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  DISK_DROP_IN,
  decideBootMode,
  decideFlag,
  decideGeneratorUnits,
  decideRootDevice,
  FLAG_SPELLINGS,
  LIVE_DROP_IN,
  NO_IMAGE,
  renderUdevName,
  renderUnitValue,
  SYSROOT_MOUNT,
} from './boot-mode.ts';
import {BOOT_MODE_CASES} from './boot-mode-cases.ts';
import {parseCmdline} from './cmdline.ts';
import {parseFlag, parseTokens} from './cmdline-values.ts';
import {decideBootState} from './state.ts';

// Every function here is total: no cmdline is invalid for the boot mode, so there are no tables of
// invalid cases; malformed stanzas are valid cases with a default outcome.

describe('decideBootMode', () => {
  it.each(BOOT_MODE_CASES)('$name', ({cmdline, mode}) => {
    expect(decideBootMode(parseCmdline(cmdline))).toBe(mode);
  });

  it.each(BOOT_MODE_CASES)('decideBootState agrees: $name', ({cmdline, mode}) => {
    expect(decideBootState(parseCmdline(cmdline)).mode).toBe(mode === 'disk' ? 'disk' : 'live');
  });
});

// The flags the generator reads must settle exactly as parseCmdline settles them for immucore.
const FLAG_KEYS = ['rd.immucore.disable', 'rd.cos.disable', 'rd.immucore.debugrw', 'rd.cos.debugrw'];
const FLAG_VALUES = ['1', '0', 'yes', 'NO', 'True', 'false', 'x', '', '=1'];
const flagToken = fc
  .tuple(fc.constantFrom(...FLAG_KEYS), fc.option(fc.constantFrom(...FLAG_VALUES), {nil: undefined}))
  .map(([k, v]) => (v === undefined ? k : `${k}=${v}`));

describe('decideFlag', () => {
  it.each(BOOT_MODE_CASES)('matches parseCmdline: $name', ({cmdline}) => {
    const config = parseCmdline(cmdline);
    const tokens = parseTokens(cmdline);
    expect({disable: decideFlag(tokens, 'disable'), debugRw: decideFlag(tokens, 'debugrw')}).toEqual({
      disable: config.disable,
      debugRw: config.debugRw,
    });
  });

  it('matches parseCmdline for any mix of spellings and values', () => {
    fc.assert(
      fc.property(fc.array(flagToken, {maxLength: 6}), (words) => {
        const config = parseCmdline(words.join(' '));
        const tokens = parseTokens(words.join(' '));
        expect(decideFlag(tokens, 'disable')).toBe(config.disable);
        expect(decideFlag(tokens, 'debugrw')).toBe(config.debugRw);
      }),
    );
  });

  const spellings = [
    ...FLAG_SPELLINGS.on.flatMap((v) => [v, v.toUpperCase()]).map((v) => ({value: v, want: true})),
    ...FLAG_SPELLINGS.off.flatMap((v) => [v, v.toUpperCase()]).map((v) => ({value: v, want: false})),
  ];
  it.each(spellings)('FLAG_SPELLINGS says what parseFlag says for $value', ({value, want}) => {
    expect(parseFlag(value)).toEqual({ok: true, value: want});
  });
  it.each(['x', '', '2', 'on', 'y'])('parseFlag refuses %j, which the generator reads as off', (value) => {
    expect(parseFlag(value).ok).toBe(false);
  });
});

describe('decideRootDevice', () => {
  const valid: Array<{name: string; root: string | undefined; want: string | undefined}> = [
    {name: 'a label links by label', root: 'LABEL=COS_ACTIVE', want: '/dev/disk/by-label/COS_ACTIVE'},
    {name: 'a label is udev-escaped', root: 'LABEL=a b/c', want: '/dev/disk/by-label/a\\x20b\\x2fc'},
    {name: 'a uuid links by uuid', root: 'UUID=1234-ABCD', want: '/dev/disk/by-uuid/1234-ABCD'},
    {name: 'a partuuid links by partuuid', root: 'PARTUUID=7c1f-02', want: '/dev/disk/by-partuuid/7c1f-02'},
    {
      name: 'a partlabel links by partlabel',
      root: 'PARTLABEL=root a',
      want: '/dev/disk/by-partlabel/root\\x20a',
    },
    {name: 'a /dev path is itself, unescaped', root: '/dev/disk/by-id/a%b', want: '/dev/disk/by-id/a%b'},
    {name: 'an empty label names nothing', root: 'LABEL=', want: undefined},
    {name: 'a bare /dev/ names nothing', root: '/dev/', want: undefined},
    {name: 'CDLABEL= is a live medium, not a root device', root: 'CDLABEL=COS_LIVE', want: undefined},
    {name: 'a live root names nothing', root: 'live:CDLABEL=COS_LIVE', want: undefined},
    {name: 'no root names nothing', root: undefined, want: undefined},
  ];
  it.each(valid)('$name', ({root, want}) => {
    expect(decideRootDevice(root)).toBe(want);
  });
});

describe('renderUdevName', () => {
  const valid = [
    {name: 'the safe set stays', value: 'AZaz09#+-.:=@_', want: 'AZaz09#+-.:=@_'},
    {name: 'a space becomes \\x20', value: 'a b', want: 'a\\x20b'},
    {name: 'a slash becomes \\x2f', value: 'a/b', want: 'a\\x2fb'},
    {name: 'a backslash becomes \\x5c', value: 'a\\x2f', want: 'a\\x5cx2f'},
    {name: 'a percent becomes \\x25', value: '100%', want: '100\\x25'},
    {name: 'glob characters become \\xNN', value: '*?[]', want: '\\x2a\\x3f\\x5b\\x5d'},
    {name: 'a control character becomes \\x01', value: '\u0001', want: '\\x01'},
    {name: 'DEL becomes \\x7f', value: '\u007f', want: '\\x7f'},
    {name: 'UTF-8 stays', value: 'Système😀', want: 'Système😀'},
  ];
  it.each(valid)('$name', ({value, want}) => {
    expect(renderUdevName(value)).toBe(want);
  });
});

describe('renderUnitValue', () => {
  const valid = [
    {name: 'a plain value stays', value: '/dev/vda2', want: '/dev/vda2'},
    {name: 'a % is doubled', value: '/dev/x%i', want: '/dev/x%%i'},
    {name: 'every % is doubled', value: '%%a%', want: '%%%%a%%'},
  ];
  it.each(valid)('$name', ({value, want}) => {
    expect(renderUnitValue(value)).toBe(want);
  });
});

describe('decideGeneratorUnits', () => {
  it.each(BOOT_MODE_CASES)('$name', ({cmdline, mode, what, options}) => {
    const units = decideGeneratorUnits(parseCmdline(cmdline));
    expect(units.filter((u) => u.dir === 'normal').map((u) => u.path)).toEqual([
      mode === 'disk' ? DISK_DROP_IN : LIVE_DROP_IN,
    ]);
    const mount = units.find((u) => u.dir === 'early' && u.path === SYSROOT_MOUNT);
    expect(mount?.text.match(/^What=(.*)$/m)?.[1]).toBe(what);
    expect(mount?.text.match(/^Options=(.*)$/m)?.[1]).toBe(options);
  });

  it('orders immucore before the root on a disk boot', () => {
    const [dropIn] = decideGeneratorUnits(
      parseCmdline('root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img'),
    );
    expect(dropIn?.text).toBe(
      '# Generated by immucore-generator: disk boot of /cOS/active.img\n' +
        '[Unit]\nBefore=dracut-initqueue.service sysroot.mount initrd-root-fs.target\n',
    );
  });

  it('orders immucore after the root on a live boot', () => {
    const [dropIn] = decideGeneratorUnits(parseCmdline('root=live:CDLABEL=COS_LIVE'));
    expect(dropIn?.text).toMatch(/^After=initrd-root-fs.target$/m);
  });

  it('says so in the comments when the cmdline names no image', () => {
    const units = decideGeneratorUnits(parseCmdline('root=LABEL=COS_ACTIVE'));
    expect(units.map((u) => u.text.split('\n')[0])).toEqual([
      `# Generated by immucore-generator: disk boot of ${NO_IMAGE}`,
      `# Generated by immucore-generator: immucore mounts /dev/disk/by-label/COS_ACTIVE (the loop-attached ${NO_IMAGE}) here`,
    ]);
  });
});
