import {describe, expect, it} from 'vitest';
import {type BlockProblem, describeAssessment, renderAssessment} from './describe.ts';

interface Case {
  name: string;
  input: {cmdline: string; bootState: string; vars?: Record<string, string>; problem?: BlockProblem};
  want: Record<string, unknown>;
  lines: string[];
}

describe('describeAssessment', () => {
  const cases: Case[] = [
    {
      name: 'a counted try of active, from the cmdline and the block',
      input: {
        cmdline: 'root=LABEL=COS_ACTIVE immucore.try=active',
        bootState: 'active',
        vars: {immucore_tries_active: '2', immucore_tries_max_active: '3', immucore_trying: 'active'},
      },
      want: {slot: 'active', tentative: true, state: 'tentative', triesLeft: 2, maxTries: 3, fallback: []},
      lines: [
        'assessment: active, tentative, try 1 of 3',
        '  active: tentative (2 of 3 tries left)',
        '  passive: trusted',
      ],
    },
    {
      name: 'passive after active ran out of tries: the tries used are named',
      input: {
        cmdline: 'root=LABEL=COS_PASSIVE upgrade_failure immucore.fallback=active:tries-exhausted',
        bootState: 'passive',
        vars: {
          immucore_tries_active: '0',
          immucore_tries_max_active: '3',
          immucore_good_active: 'no',
          immucore_good_passive: 'yes',
        },
      },
      want: {
        slot: 'passive',
        tentative: false,
        state: 'fallback',
        fallback: [{from: 'active', reason: 'tries-exhausted', triesUsed: 3}],
      },
      lines: [
        'assessment: passive, fallback',
        '  fell back from active: tries-exhausted after 3 tries',
        '  active: bad (0 of 3 tries left)',
        '  passive: good',
      ],
    },
    {
      name: 'a recovery boot without the block still says why from the cmdline',
      input: {
        cmdline:
          'root=LABEL=COS_SYSTEM upgrade_failure immucore.fallback=active:tries-exhausted,passive:marked-bad',
        bootState: 'recovery',
        problem: {kind: 'not-mounted', message: 'COS_STATE is not mounted by this boot'},
      },
      want: {
        slot: 'recovery',
        state: 'fallback',
        fallback: [
          {from: 'active', reason: 'tries-exhausted'},
          {from: 'passive', reason: 'marked-bad'},
        ],
      },
      lines: [
        'assessment: recovery, fallback',
        '  fell back from active: tries-exhausted',
        '  fell back from passive: marked-bad',
        '  block COS_STATE:/boot_assessment: COS_STATE is not mounted by this boot',
      ],
    },
  ];
  it.each(cases)('$name', ({input, want, lines}) => {
    const got = describeAssessment({blockPath: 'COS_STATE:/boot_assessment', ...input});
    expect(got).toMatchObject(want);
    expect(renderAssessment(got)).toEqual(lines);
  });
});
