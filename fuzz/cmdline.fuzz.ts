// The kernel command line (SPEC §2) from anything a boot loader entry can hold: parsing and planning
// never throw, every problem names a token that is in the line, defaults stay sane.
import assert from 'node:assert/strict';
import {describe, it} from 'vitest';
import {decideBootMode} from '../src/boot/boot-mode.ts';
import {parseCmdline} from '../src/boot/cmdline.ts';
import {planBoot} from '../src/boot/plan.ts';
import {cmdlineArb} from './cmdline-input.ts';
import {fuzz} from './lib.ts';

const tokensOf = (text: string) => text.split(/[ \t\n\v\f\r]+/).filter((t) => t !== '');

describe('fuzz: kernel command line', () => {
  it('parses and plans any line; every problem names one of its tokens', async () => {
    await fuzz('cmdline', cmdlineArb, (text) => {
      const config = parseCmdline(text);
      const tokens = tokensOf(text);
      for (const p of config.problems) {
        assert.ok(tokens.includes(p.input), `"${p.input}" is no token of the line`);
        assert.ok(p.message.includes(p.input), p.message);
        assert.notEqual(p.hint.trim(), '');
      }
      for (const t of [
        config.oemTimeoutSec,
        config.devTimeoutSec,
        config.volumeTimeoutSec,
        config.sysrootWaitSec,
      ])
        assert.ok(Number.isSafeInteger(t) && t >= 0, `timeout ${t}`);
      assert.equal(new Set(config.mounts.map((m) => m.mountpoint)).size, config.mounts.length);
      for (const m of config.mounts) assert.ok(m.mountpoint.startsWith('/'), m.mountpoint);
      const plan = planBoot(config);
      assert.ok(plan.steps.length > 0);
      for (const p of plan.problems) assert.ok(text.includes(p.input), `"${p.input}" is not in the line`);
      assert.ok(['disk', 'live', 'disabled'].includes(decideBootMode(config)));
    });
  });
});
