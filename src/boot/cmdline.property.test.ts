import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {parseCmdline} from './cmdline.ts';

// The kernel splits on ASCII whitespace only; the parser does the same, so a no-break space
// stays inside a token here too.
const tokensOf = (text: string) => text.split(/[ \t\n\v\f\r]+/).filter((t) => t !== '');

const NAMES = [
  ...['overlay', 'mount', 'oemlabel', 'memory', 'break', 'debugrw', 'disable', 'debug', 'rebootonfailure'],
  ...['oemtimeout', 'devtimeout', 'volumetimeout', 'sysrootwait', 'foo', 'debg', ''],
];
const KEYS = [
  ...['rd.immucore.', 'rd.cos.'].flatMap((p) => NAMES.map((n) => p + n)),
  ...['root', 'cos-img/filename', 'live:LABEL', 'fsck.mode', 'fsck.repair', 'console'],
  ...['kairos.config_url', 'cos.setup', 'stages.x[0].y'],
];
const VALUES = ['', '-1', '0', '5', 'yes', 'tmpfs:20%', 'tmpfs:lots', 'LABEL=X', 'LABEL=X:/a', 'live:'];

const value = fc.oneof(
  fc.constantFrom(...VALUES, 'a,,b', '=', '__proto__', 'live:CDLABEL=X'),
  fc.string({maxLength: 12}),
  fc.string({unit: 'binary', maxLength: 12}),
);
const stanza = fc
  .tuple(fc.constantFrom(...KEYS), fc.option(value, {nil: undefined}))
  .map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
const junk = fc.oneof(
  fc.string({maxLength: 20}),
  fc.string({unit: 'binary', maxLength: 20}),
  fc.constantFrom('netboot', 'kairos.reset', 'live:', '\u00a0', 'rd.immucore.\u00a0debug'),
);
const cmdline = fc
  .array(fc.tuple(fc.oneof(stanza, junk), fc.constantFrom(' ', '  ', '\t', '\n')), {maxLength: 25})
  .map((parts) => parts.map(([t, sep]) => t + sep).join(''));

describe('parseCmdline properties', () => {
  it('never throws, and every problem names one token of the input', () => {
    fc.assert(
      fc.property(cmdline, (text) => {
        const got = parseCmdline(text);
        const tokens = tokensOf(text);
        for (const p of got.problems) {
          expect(text).toContain(p.input);
          expect(tokens).toContain(p.input);
          expect(p.message).toContain(`"${p.input}"`);
          expect(p.hint).not.toBe('');
        }
        expect(new Set(got.mounts.map((m) => m.mountpoint)).size).toBe(got.mounts.length);
        for (const t of [got.oemTimeoutSec, got.devTimeoutSec, got.volumeTimeoutSec, got.sysrootWaitSec]) {
          expect(Number.isSafeInteger(t) && t >= 0).toBe(true);
        }
      }),
      {numRuns: 500},
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 200}), (text) => {
        expect(parseCmdline(text).raw).toBe(text);
      }),
    );
  });

  it('gives the same config whatever whitespace separates the tokens', () => {
    fc.assert(
      fc.property(cmdline, (text) => {
        const {raw: _a, ...spaced} = parseCmdline(text);
        const {raw: _b, ...joined} = parseCmdline(tokensOf(text).join(' '));
        expect(joined).toEqual(spaced);
      }),
    );
  });
});
