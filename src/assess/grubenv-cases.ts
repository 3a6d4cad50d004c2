// The edit sequences behind src/assess/golden/*.env: each was made by grub-editenv (GRUB 2.06) with
// these operations, and the unit test replays them through our code; the integration test
// (test/assess/grubenv-editenv.test.ts) runs grub-editenv itself on them again.

/** `set` takes `name=value` as grub-editenv does; `unset` a name. */
export type EnvOp = ['set', string] | ['unset', string];

export const GOLDEN_CASES: Array<{file: string; ops: EnvOp[]}> = [
  {file: 'create.env', ops: []},
  {
    file: 'kairos-upgrade.env',
    ops: [
      ['set', 'enable_boot_assessment=yes'],
      ['set', 'boot_assessment_tentative=yes'],
      ['set', 'enable_boot_assessment='],
    ],
  },
  {
    file: 'escapes.env',
    ops: [
      ['set', 'a=back\\slash'],
      ['set', 'b=two\nlines'],
      ['set', 'a=x'],
      ['set', 'c=trailing\\'],
      ['unset', 'b'],
      ['set', 'b=#not a comment'],
    ],
  },
  {
    file: 'immucore.env',
    ops: [
      ['set', 'immucore_tries_active=3'],
      ['set', 'immucore_tries_max_active=3'],
      ['set', 'immucore_trying=active'],
      ['set', 'immucore_tries_active=2'],
      ['set', 'immucore_fallback_reason=active:tries-exhausted'],
      ['unset', 'immucore_trying'],
      ['set', 'immucore_tries_active=0'],
    ],
  },
];
