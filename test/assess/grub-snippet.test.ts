// The GRUB snippet (overlays/system/immucore/grub_boot_assessment) is GRUB script that the QEMU
// scenarios run for real; here: GRUB's own parser accepts it, and it saves every key the TS state
// machine (src/assess/assessment.ts, which it mirrors) may change.
import {readFile} from 'node:fs/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {KEYS, SLOTS} from '../../src/assess/assessment.ts';

const SNIPPET = new URL('../../overlays/system/immucore/grub_boot_assessment', import.meta.url).pathname;

describe('grub_boot_assessment', () => {
  it('parses with grub-script-check, as do the scenario fixtures', async () => {
    for (const file of [
      SNIPPET,
      'vm-tests/grub/grub.cfg',
      'vm-tests/grub/grubcustom',
      'vm-tests/grub/early.cfg',
    ]) {
      await expect(execa('grub-script-check', [file])).resolves.toMatchObject({exitCode: 0});
    }
  });

  it('save_envs every key the state machine changes', async () => {
    const text = await readFile(SNIPPET, 'utf8');
    const saved = text.match(/save_env -f \S+ (.*)/)?.[1]?.split(/\s+/) ?? [];
    const keys = [
      ...SLOTS.flatMap((s) => [KEYS.tries(s), KEYS.maxTries(s), KEYS.good(s)]),
      KEYS.trying,
      KEYS.next,
      KEYS.reason,
      KEYS.kairosEnable,
      KEYS.kairosTentative,
    ];
    expect([...saved].sort()).toEqual([...keys].sort());
  });

  it("keeps Kairos' names: the block, the entry ids and the cmdline variables", async () => {
    const text = await readFile(SNIPPET, 'utf8');
    for (const name of [
      '/boot_assessment',
      'default=cos',
      'default=fallback',
      'default=recovery',
      'extra_passive_cmdline',
      'upgrade_failure',
      'selected_entry',
    ]) {
      expect(text).toContain(name);
    }
  });
});
