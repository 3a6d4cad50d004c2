import {describe, expect, it} from 'vitest';
import {criticalPath} from './critical-path.ts';
import {runSteps} from './runner.ts';
import {flush, makeHarness} from './testing.ts';
import type {StepNode, StepRecord} from './types.ts';

const diamond: StepNode[] = [
  {name: 'a', needs: []},
  {name: 'b', needs: ['a']},
  {name: 'c', needs: ['a']},
  {name: 'd', needs: ['b', 'c']},
];
const ran = (name: string, startMs: number, durationMs: number): StepRecord => ({
  name,
  outcome: 'ok',
  startMs,
  durationMs,
});
const skipped = (name: string): StepRecord => ({name, outcome: 'skipped', skipReason: 'off'});

describe('criticalPath', () => {
  const cases: Array<{name: string; records: StepRecord[]; want: string[]}> = [
    {
      name: 'a diamond goes through the slower branch',
      records: [ran('a', 0, 10), ran('b', 10, 50), ran('c', 10, 5), ran('d', 60, 3)],
      want: ['a', 'b', 'd'],
    },
    {
      name: 'the other branch when it is the slower one',
      records: [ran('a', 0, 10), ran('b', 10, 5), ran('c', 10, 50), ran('d', 60, 3)],
      want: ['a', 'c', 'd'],
    },
    {
      name: 'a skipped need is looked through to its own needs',
      records: [ran('a', 0, 10), skipped('b'), ran('c', 10, 5), ran('d', 15, 3)],
      want: ['a', 'c', 'd'],
    },
    {
      name: 'a skipped branch on the slow side is looked through',
      records: [ran('a', 0, 30), skipped('b'), skipped('c'), ran('d', 30, 3)],
      want: ['a', 'd'],
    },
    {
      name: 'an independent step that ends last is a path of its own',
      records: [ran('a', 0, 1), ran('b', 1, 1), ran('c', 1, 1), ran('d', 2, 1), ran('e', 0, 99)],
      want: ['e'],
    },
    {name: 'nothing ran', records: [skipped('a'), skipped('b'), skipped('c'), skipped('d')], want: []},
  ];
  it.each(cases)('$name', ({records, want}) => {
    expect(criticalPath(records, [...diamond, {name: 'e', needs: []}])).toEqual(want);
  });

  it('reads the records of a real run', async () => {
    const h = makeHarness();
    const steps = [
      h.step('a', [], {takes: 10}),
      h.step('b', ['a'], {takes: 50, manual: true}),
      h.step('c', ['a'], {takes: 5}),
      h.step('d', ['b', 'c'], {takes: 1}),
    ];
    const run = runSteps(steps, h.options);
    // b holds until c is done, so on the shared clock it ends at 10 + 5 + 50.
    await flush();
    h.finish('b');
    const result = await run;
    expect(criticalPath(result.records, steps)).toEqual(['a', 'b', 'd']);
  });
});
