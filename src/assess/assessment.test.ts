import {describe, expect, it} from 'vitest';
import {decideGrubBoot, describeSlots, type EnvVars, markBad, markGood, setNext} from './assessment.ts';

/** The block after applying the changes, as GRUB would read it next time. */
const apply = (vars: EnvVars, changes: Array<[string, string]>) => ({
  ...vars,
  ...Object.fromEntries(changes),
});

describe('decideGrubBoot', () => {
  const cases: Array<{
    name: string;
    vars: EnvVars;
    selected?: string;
    want: {
      target: string;
      entry?: string;
      tentative: boolean;
      cmdline: string[];
      changes: Record<string, string>;
    };
  }> = [
    {
      name: 'an empty block boots active and leaves default alone',
      vars: {},
      want: {target: 'active', tentative: false, cmdline: [], changes: {}},
    },
    {
      name: 'a tentative active with tries left is counted, saved, then booted',
      vars: {immucore_tries_active: '3', immucore_tries_max_active: '3'},
      want: {
        target: 'active',
        entry: 'cos',
        tentative: true,
        cmdline: ['immucore.try=active'],
        changes: {immucore_tries_active: '2', immucore_trying: 'active'},
      },
    },
    {
      name: 'the last try of active is still a try',
      vars: {immucore_tries_active: '1', immucore_tries_max_active: '3', immucore_trying: 'active'},
      want: {
        target: 'active',
        entry: 'cos',
        tentative: true,
        cmdline: ['immucore.try=active'],
        changes: {immucore_tries_active: '0'},
      },
    },
    {
      name: 'active out of tries falls to passive, which gets the same budget',
      vars: {immucore_tries_active: '0', immucore_tries_max_active: '3', immucore_trying: 'active'},
      want: {
        target: 'passive',
        entry: 'fallback',
        tentative: true,
        cmdline: ['immucore.try=passive', 'upgrade_failure', 'immucore.fallback=active:tries-exhausted'],
        changes: {
          immucore_good_active: 'no',
          immucore_trying: 'passive',
          immucore_fallback_reason: 'active:tries-exhausted',
          immucore_tries_max_passive: '3',
          immucore_tries_passive: '2',
        },
      },
    },
    {
      name: 'a good passive is booted after a bad active without a trial',
      vars: {
        immucore_good_active: 'no',
        immucore_good_passive: 'yes',
        immucore_fallback_reason: 'active:marked-bad',
      },
      want: {
        target: 'passive',
        entry: 'fallback',
        tentative: false,
        cmdline: ['upgrade_failure', 'immucore.fallback=active:marked-bad'],
        changes: {},
      },
    },
    {
      name: 'passive out of tries too falls to recovery with both reasons',
      vars: {
        immucore_good_active: 'no',
        immucore_tries_active: '0',
        immucore_tries_passive: '0',
        immucore_tries_max_passive: '3',
        immucore_trying: 'passive',
        immucore_fallback_reason: 'active:tries-exhausted',
      },
      want: {
        target: 'recovery',
        entry: 'recovery',
        tentative: false,
        cmdline: ['upgrade_failure', 'immucore.fallback=active:tries-exhausted,passive:tries-exhausted'],
        changes: {
          immucore_good_passive: 'no',
          immucore_trying: '',
          immucore_fallback_reason: 'active:tries-exhausted,passive:tries-exhausted',
        },
      },
    },
    {
      name: "Kairos' enable_boot_assessment=yes is one try of active, in our keys",
      vars: {enable_boot_assessment: 'yes', immucore_good_active: 'yes'},
      want: {
        target: 'active',
        entry: 'cos',
        tentative: true,
        cmdline: ['immucore.try=active'],
        changes: {
          immucore_tries_active: '0',
          immucore_tries_max_active: '1',
          immucore_good_active: '',
          enable_boot_assessment: '',
          immucore_trying: 'active',
        },
      },
    },
    {
      name: "Kairos' stale tentative flag alone sends nothing to fallback (kairos-io/kairos#4303)",
      vars: {boot_assessment_tentative: 'yes'},
      want: {target: 'active', tentative: false, cmdline: [], changes: {}},
    },
    {
      name: 'enable_boot_assessment_always starts a try only when none is running',
      vars: {
        enable_boot_assessment_always: 'yes',
        immucore_tries_active: '0',
        immucore_good_active: 'no',
        immucore_fallback_reason: 'active:tries-exhausted',
        immucore_good_passive: 'yes',
      },
      want: {
        target: 'passive',
        entry: 'fallback',
        tentative: false,
        cmdline: ['upgrade_failure', 'immucore.fallback=active:tries-exhausted'],
        changes: {},
      },
    },
    {
      name: 'a manual selection (next_entry) is never overridden or counted',
      vars: {immucore_tries_active: '0', immucore_tries_max_active: '3'},
      selected: 'recovery',
      want: {target: 'recovery', tentative: false, cmdline: [], changes: {}},
    },
    {
      name: 'set-next recovery boots recovery once',
      vars: {immucore_next: 'recovery'},
      want: {
        target: 'recovery',
        entry: 'recovery',
        tentative: false,
        cmdline: [],
        changes: {immucore_next: ''},
      },
    },
    {
      name: 'set-next passive starts the walk at passive, trusted',
      vars: {immucore_next: 'passive'},
      want: {target: 'passive', entry: 'fallback', tentative: false, cmdline: [], changes: {}},
    },
    {
      name: 'a stale trying mark is cleared on a trusted boot',
      vars: {immucore_trying: 'active'},
      want: {target: 'active', tentative: false, cmdline: [], changes: {immucore_trying: ''}},
    },
    {
      name: 'tries GRUB cannot count down (not 1-9) are none left',
      vars: {immucore_tries_active: '12', immucore_good_passive: 'yes'},
      want: {
        target: 'passive',
        entry: 'fallback',
        tentative: false,
        cmdline: ['upgrade_failure', 'immucore.fallback=active:tries-exhausted'],
        changes: {
          immucore_good_active: 'no',
          immucore_tries_active: '0',
          immucore_fallback_reason: 'active:tries-exhausted',
        },
      },
    },
  ];
  it.each(cases)('$name', ({vars, selected, want}) => {
    const got = decideGrubBoot(vars, selected ? {selectedEntry: selected} : {});
    expect({...got, changes: Object.fromEntries(got.changes)}).toEqual(want);
  });

  it('(b) three failed tries of active, then passive with the reason', () => {
    let vars: EnvVars = apply({}, setNext({}, 'active', 3));
    const boots: string[] = [];
    for (let i = 0; i < 4; i++) {
      const d = decideGrubBoot(vars);
      boots.push(`${d.target}${d.tentative ? ' (try)' : ''}`);
      vars = apply(vars, d.changes);
    }
    expect(boots).toEqual(['active (try)', 'active (try)', 'active (try)', 'passive (try)']);
    expect(describeSlots(vars)[0]).toEqual({
      slot: 'active',
      state: 'bad',
      triesLeft: 0,
      maxTries: 3,
      triesUsed: 3,
    });
    vars = apply(vars, markGood(vars, 'passive'));
    expect(decideGrubBoot(vars)).toMatchObject({target: 'passive', tentative: false});
    expect(vars.immucore_fallback_reason).toBe('active:tries-exhausted');
  });
});

describe('markGood / markBad / setNext', () => {
  it('a blessed active ends its trial and clears the fallback and Kairos keys', () => {
    const vars = {
      immucore_tries_active: '2',
      immucore_tries_max_active: '3',
      immucore_trying: 'active',
      enable_boot_assessment: 'yes',
      boot_assessment_tentative: 'yes',
    };
    expect(Object.fromEntries(markGood(vars, 'active'))).toEqual({
      immucore_good_active: 'yes',
      immucore_tries_active: '',
      immucore_tries_max_active: '',
      immucore_trying: '',
      enable_boot_assessment: '',
      boot_assessment_tentative: '',
    });
  });

  it('a slot marked bad is fallen past on the next boot, with the reason', () => {
    const vars = {immucore_tries_active: '2', immucore_tries_max_active: '3', immucore_trying: 'active'};
    const after = apply(vars, markBad(vars, 'active'));
    expect(decideGrubBoot(after)).toMatchObject({
      target: 'passive',
      cmdline: ['immucore.try=passive', 'upgrade_failure', 'immucore.fallback=active:marked-bad'],
    });
  });

  it('set-next resets the stale state of the slot', () => {
    const vars = {
      immucore_good_active: 'no',
      immucore_tries_active: '0',
      immucore_fallback_reason: 'active:tries-exhausted',
      immucore_next: 'passive',
    };
    expect(Object.fromEntries(setNext(vars, 'active', 3))).toEqual({
      immucore_next: '',
      immucore_good_active: '',
      immucore_tries_active: '3',
      immucore_tries_max_active: '3',
      immucore_fallback_reason: '',
    });
  });

  it.each([0, 10, 1.5])('refuses --tries %s with the range', (n) => {
    expect(() => setNext({}, 'active', n)).toThrow(/between 1 and 9/);
  });
});
