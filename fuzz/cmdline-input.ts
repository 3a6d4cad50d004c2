// Kernel command lines for the fuzzers: the stanzas immucore reads, with good, bad and arbitrary
// values, among arbitrary tokens, separated by any blanks the kernel splits on.
import fc from 'fast-check';
import {nasty} from './lib.ts';

const NAMES = [
  ...['overlay', 'mount', 'oemlabel', 'memory', 'break', 'debugrw', 'disable', 'debug'],
  ...['rebootonfailure', 'oemtimeout', 'devtimeout', 'volumetimeout', 'sysrootwait', 'foo', ''],
];
const CMDLINE_KEYS = [
  ...['rd.immucore.', 'rd.cos.'].flatMap((p) => NAMES.map((n) => p + n)),
  ...['root', 'cos-img/filename', 'fsck.mode', 'fsck.repair', 'console', 'rd.shell', 'rd.emergency'],
  ...['kairos.config_url', 'cos.setup', 'stages.rootfs[0].commands[0]', 'stages.x', 'memory_policy.preset'],
];
const VALUES = [
  ...['', '-1', '0', '5', '1e3', '0x10', '99999999999999999999', 'yes', 'true', 'tmpfs:20%', 'tmpfs:0%'],
  ...['tmpfs:lots', 'tmpfs:512M', 'tmpfs:1G', 'LABEL=X', 'LABEL=X:/a', 'UUID=1:/a/../b', '/dev/vdb:/x,y'],
  ...['LABEL=COS_ACTIVE', 'LABEL=COS_PASSIVE', 'LABEL=COS_SYSTEM', 'live:LABEL=X', 'live:CDLABEL=Y'],
  ...['/cOS/active.img', 'mount-root,mount-oem', 'mount-rot', 'auto', 'force', 'server', 'off', '=='],
  ...['__proto__', 'constructor', 'a,,b', 'LABEL=:/a', 'LABEL=X:', 'tmpfs:'],
];

const stanza = fc
  .tuple(fc.constantFrom(...CMDLINE_KEYS), fc.option(fc.oneof(fc.constantFrom(...VALUES), nasty)))
  .map(([k, v]) => (v === null ? k : `${k}=${v}`));
const junk = fc.oneof(
  nasty,
  fc.constantFrom('netboot', 'kairos.reset', 'recovery-mode', 'live:', '\u00a0', 'rd.immucore.\u00a0debug'),
);
export const cmdlineArb = fc
  .array(fc.tuple(fc.oneof({weight: 3, arbitrary: stanza}, junk), fc.constantFrom(' ', '  ', '\t', '\n')), {
    maxLength: 30,
  })
  .map((parts) => parts.map(([t, sep]) => t + sep).join(''));
