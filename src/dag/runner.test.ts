import {describe, expect, it} from 'vitest';
import {runSteps} from './runner.ts';
import {flush, makeHarness, type StepOpts} from './testing.ts';
import type {RunEvent, StepRecord} from './types.ts';

const outcomes = (records: StepRecord[]) =>
  Object.fromEntries(records.map((r) => [r.name, r.skipReason ? `skipped: ${r.skipReason}` : r.outcome]));

describe('runSteps: scheduling', () => {
  it('starts two independent steps before either finishes', async () => {
    const h = makeHarness();
    const run = runSteps([h.step('a', [], {manual: true}), h.step('b', [], {manual: true})], h.options);
    await flush();
    expect(h.log).toEqual(['start a', 'start b']);
    h.finish('b');
    h.finish('a');
    const result = await run;
    expect(h.log).toEqual(['start a', 'start b', 'end b', 'end a']);
    expect(result.status).toBe('ok');
  });

  it('runs a chain in order, whatever the declaration order', async () => {
    const h = makeHarness();
    const result = await runSteps([h.step('c', ['b']), h.step('b', ['a']), h.step('a')], h.options);
    expect(h.log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(result.records.map((r) => r.name)).toEqual(['c', 'b', 'a']);
  });

  it('never runs more than `concurrency` steps at once', async () => {
    const h = makeHarness();
    const steps = [h.step('a', [], {manual: true}), h.step('b', [], {manual: true})];
    const run = runSteps(steps, {...h.options, concurrency: 1});
    await flush();
    expect(h.log).toEqual(['start a']);
    h.finish('a');
    await flush();
    expect(h.log).toEqual(['start a', 'end a', 'start b']);
    h.finish('b');
    expect((await run).status).toBe('ok');
  });

  it('records start offsets and durations from the injected clock', async () => {
    const h = makeHarness();
    const result = await runSteps([h.step('a', [], {takes: 40}), h.step('b', ['a'], {takes: 2})], h.options);
    expect(result.records).toEqual([
      {name: 'a', outcome: 'ok', startMs: 0, durationMs: 40},
      {name: 'b', outcome: 'ok', startMs: 40, durationMs: 2},
    ]);
  });

  it('builds one context per step with its declaration index', async () => {
    const h = makeHarness();
    await runSteps([h.step('b', ['a']), h.step('a')], h.options);
    expect(h.contexts.map((c) => [c.name, c.index])).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
  });

  it('calls beforeStep in order before each step that starts, and not for skipped ones', async () => {
    const h = makeHarness();
    const beforeStep = async (s: {name: string}) => void h.log.push(`before ${s.name}`);
    const steps = [h.step('a'), h.step('off', ['a'], {when: () => false}), h.step('b', ['off'])];
    await runSteps(steps, {...h.options, beforeStep});
    expect(h.log).toEqual(['before a', 'start a', 'end a', 'before b', 'start b', 'end b']);
  });

  it('reports lifecycle events with the step position', async () => {
    const h = makeHarness();
    const events: RunEvent[] = [];
    const steps = [
      h.step('a', [], {takes: 5}),
      h.step('b', ['a'], {fails: new Error('boom')}),
      h.step('c', [], {when: () => 'off'}),
    ];
    await runSteps(steps, {...h.options, onEvent: (e) => events.push(e)});
    expect(events.map((e) => `${e.type} ${e.step} ${e.position}`)).toEqual([
      'start a (1/3)',
      'skipped c (3/3)',
      'done a (1/3)',
      'start b (2/3)',
      'failed b (2/3)',
    ]);
    expect(events[2]).toMatchObject({type: 'done', durationMs: 5, atMs: 5});
  });
});

describe('runSteps: policies', () => {
  const boom = new Error('boom');
  const cases: Array<{
    name: string;
    steps: Array<[string, string[], StepOpts?]>;
    status: string;
    want: Record<string, string>;
  }> = [
    {
      name: 'a fatal failure skips its dependants and every step not yet started',
      steps: [
        ['root', [], {policy: 'fatal', fails: boom}],
        ['child', ['root']],
        ['grandchild', ['child']],
      ],
      status: 'failed',
      want: {
        root: 'failed',
        child: 'skipped: after fatal failure of root',
        grandchild: 'skipped: after fatal failure of root',
      },
    },
    {
      name: 'a degraded failure lets its dependants run',
      steps: [
        ['oem', [], {fails: boom}],
        ['stage', ['oem']],
        ['fstab', ['stage']],
      ],
      status: 'degraded',
      want: {oem: 'failed', stage: 'ok', fstab: 'ok'},
    },
    {
      name: 'when false skips the step and its dependants still run',
      steps: [
        ['stage', [], {when: () => false}],
        ['fstab', ['stage']],
      ],
      status: 'ok',
      want: {stage: 'skipped: when returned false', fstab: 'ok'},
    },
    {
      name: 'when with a reason skips with that reason',
      steps: [
        ['stage', [], {when: () => 'no initramfs stage'}],
        ['fstab', ['stage']],
      ],
      status: 'ok',
      want: {stage: 'skipped: no initramfs stage', fstab: 'ok'},
    },
    {
      name: 'an always step runs after a fatal failure',
      steps: [
        ['root', [], {policy: 'fatal', fails: boom}],
        ['mount', ['root']],
        ['report', ['root', 'mount'], {always: true}],
      ],
      status: 'failed',
      want: {root: 'failed', mount: 'skipped: after fatal failure of root', report: 'ok'},
    },
    {
      name: 'a throwing when fails the step under its policy',
      steps: [
        [
          'a',
          [],
          {
            policy: 'fatal',
            when: () => {
              throw boom;
            },
          },
        ],
        ['b', ['a']],
      ],
      status: 'failed',
      want: {a: 'failed', b: 'skipped: after fatal failure of a'},
    },
  ];
  it.each(cases)('$name', async ({steps, status, want}) => {
    const h = makeHarness();
    const result = await runSteps(
      steps.map(([name, needs, o]) => h.step(name, needs, o)),
      h.options,
    );
    expect(result.status).toBe(status);
    expect(outcomes(result.records)).toEqual(want);
    if (status === 'failed') expect(result.fatal?.error?.cause).toBe(boom);
  });

  it('lets the steps in flight finish after a fatal failure', async () => {
    const h = makeHarness();
    const steps = [
      h.step('root', [], {policy: 'fatal', manual: true}),
      h.step('slow', [], {manual: true}),
      h.step('after', ['slow']),
    ];
    const run = runSteps(steps, h.options);
    await flush();
    h.fail('root', new Error('no image'));
    await flush();
    h.finish('slow');
    const result = await run;
    expect(outcomes(result.records)).toEqual({
      root: 'failed',
      slow: 'ok',
      after: 'skipped: after fatal failure of root',
    });
    expect(result.fatal?.name).toBe('root');
  });
});
