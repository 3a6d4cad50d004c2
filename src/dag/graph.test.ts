import {describe, expect, it} from 'vitest';
import {GraphError} from './errors.ts';
import {closestName, planOrder, validateGraph} from './graph.ts';
import {runSteps} from './runner.ts';
import type {StepNode} from './types.ts';

const node = (name: string, ...needs: string[]): StepNode => ({name, needs});

function catchGraphError(fn: () => void): GraphError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a GraphError');
}

describe('validateGraph', () => {
  const valid: Array<{name: string; steps: StepNode[]}> = [
    {name: 'no steps at all', steps: []},
    {name: 'a single step', steps: [node('a')]},
    {name: 'a diamond', steps: [node('a'), node('b', 'a'), node('c', 'a'), node('d', 'b', 'c')]},
    {
      name: 'needs declared after the step',
      steps: [node('d', 'b', 'c'), node('b', 'a'), node('c', 'a'), node('a')],
    },
  ];
  it.each(valid)('$name is accepted', ({steps}) => {
    expect(() => validateGraph(steps)).not.toThrow();
  });

  const invalid: Array<{name: string; steps: StepNode[]; code: string; error: RegExp; hint: RegExp}> = [
    {
      name: 'a three-step cycle is named in order',
      steps: [node('a', 'b'), node('b', 'c'), node('c', 'a')],
      code: 'cycle',
      error: /cycle: a → b → c → a \(/,
      hint: /Remove one of these needs/,
    },
    {
      name: 'a cycle below an acyclic entry is named without the entry',
      steps: [node('top', 'x'), node('x', 'y'), node('y', 'x')],
      code: 'cycle',
      error: /cycle: x → y → x \(/,
      hint: /Remove/,
    },
    {
      name: 'a step needing itself is a cycle',
      steps: [node('a', 'a')],
      code: 'cycle',
      error: /cycle: a → a \(/,
      hint: /Remove/,
    },
    {
      name: 'an unknown need names the step, the need and the closest name',
      steps: [node('mount-state'), node('mount-root', 'mount-stat'), node('mount-oem', 'mount-root')],
      code: 'unknown-need',
      error:
        /Step "mount-root" needs "mount-stat", which is not a declared step \(closest is "mount-state"\)/,
      hint: /Did you mean "mount-state"\?/,
    },
    {
      name: 'an unknown need with no other step to suggest',
      steps: [node('a', 'b')],
      code: 'unknown-need',
      error: /Step "a" needs "b".*none is declared besides it/,
      hint: /Declare a step named "b"/,
    },
    {
      name: 'a duplicate name gives both positions',
      steps: [node('a'), node('b'), node('a')],
      code: 'duplicate-step',
      error: /Step "a" is declared twice \(steps 1 and 3 of 3\)/,
      hint: /unique name/,
    },
  ];
  it.each(invalid)('$name', ({steps, code, error, hint}) => {
    const err = catchGraphError(() => validateGraph(steps));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(error);
    expect(err.info.hint).toMatch(hint);
  });

  it('is checked by runSteps before any step runs', async () => {
    const ran: string[] = [];
    const steps = [
      {name: 'a', needs: [], policy: 'degrade' as const, run: async () => void ran.push('a')},
      {name: 'b', needs: ['nope'], policy: 'degrade' as const, run: async () => void ran.push('b')},
    ];
    await expect(runSteps(steps, {context: () => ({})})).rejects.toBeInstanceOf(GraphError);
    expect(ran).toEqual([]);
  });
});

describe('planOrder', () => {
  it('puts each step after its needs, otherwise in declaration order', () => {
    const steps = [node('d', 'b', 'c'), node('b', 'a'), node('c', 'a'), node('a'), node('e')];
    expect(planOrder(steps)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('closestName', () => {
  const cases = [
    {
      name: 'a one-letter typo',
      input: 'mount-rot',
      candidates: ['mount-oem', 'mount-root'],
      want: 'mount-root',
    },
    {name: 'a tie goes to the first declared', input: 'ab', candidates: ['ax', 'ay'], want: 'ax'},
    {name: 'no candidates', input: 'a', candidates: [], want: undefined},
  ];
  it.each(cases)('$name', ({input, candidates, want}) => {
    expect(closestName(input, candidates)).toBe(want);
  });
});
