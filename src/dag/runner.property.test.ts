import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {runSteps} from './runner.ts';
import {flush} from './testing.ts';
import type {Policy, RunEvent, StepDef} from './types.ts';

interface Spec {
  needMask: boolean[];
  policy: Policy;
  throws: boolean;
  when: true | false | 'reason';
  always: boolean;
  ticks: number;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  needMask: fc.array(fc.boolean(), {maxLength: 8}),
  policy: fc.constantFrom<Policy>('fatal', 'degrade'),
  throws: fc.boolean(),
  when: fc.constantFrom<Spec['when']>(true, true, false, 'reason'),
  always: fc.boolean(),
  ticks: fc.integer({min: 0, max: 3}),
});

// A random DAG, acyclic by construction (step i only needs steps j < i), declared in random order.
const runArb = fc.array(specArb, {minLength: 1, maxLength: 8}).chain((specs) =>
  fc.record({
    specs: fc.constant(specs),
    order: fc.shuffledSubarray(
      specs.map((_, i) => i),
      {minLength: specs.length, maxLength: specs.length},
    ),
    abortAfterTicks: fc.option(fc.integer({min: 0, max: 6})),
    beforeTicks: fc.option(fc.integer({min: 0, max: 2})),
    concurrency: fc.option(fc.integer({min: 1, max: 3})),
  }),
);

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await flush();
};

describe('runSteps on random graphs', () => {
  it('records every step once, starts none before its needs settle, and fails on a fatal failure', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({specs, order, abortAfterTicks, beforeTicks, concurrency}) => {
        const name = (i: number) => `s${i}`;
        const steps: StepDef<unknown>[] = order.map((i) => {
          const s = specs[i] as Spec;
          return {
            name: name(i),
            needs: s.needMask.slice(0, i).flatMap((on, j) => (on ? [name(j)] : [])),
            policy: s.policy,
            ...(s.always ? {always: true} : {}),
            when: () => s.when,
            run: async () => {
              await ticks(s.ticks);
              if (s.throws) throw new Error(`${name(i)} broke`);
            },
          };
        });
        const log: RunEvent[] = [];
        const controller = new AbortController();
        let abortedAt = -1;
        if (abortAfterTicks !== null) {
          void ticks(abortAfterTicks).then(() => {
            abortedAt = log.length;
            controller.abort();
          });
        }
        const result = await runSteps(steps, {
          context: () => undefined,
          signal: controller.signal,
          onEvent: (e) => log.push(e),
          ...(beforeTicks !== null ? {beforeStep: () => ticks(beforeTicks)} : {}),
          ...(concurrency !== null ? {concurrency} : {}),
        });

        // Every declared step exactly once, in declaration order.
        expect(result.records.map((r) => r.name)).toEqual(steps.map((s) => s.name));
        expect(
          log
            .filter((e) => e.type !== 'start')
            .map((e) => e.step)
            .sort(),
        ).toEqual(steps.map((s) => s.name).sort());

        // No step starts before each of its needs has settled.
        const settledAt = new Map(
          log.flatMap((e, at) => (e.type === 'start' ? [] : [[e.step, at] as const])),
        );
        log.forEach((e, at) => {
          if (e.type !== 'start') return;
          for (const need of steps[e.index]?.needs ?? []) expect(settledAt.get(need)).toBeLessThan(at);
        });

        // A fatal failure fails the run, and no new non-always step starts after it or after an abort.
        const firstFatal = log.findIndex((e) => e.type === 'failed' && e.error.policy === 'fatal');
        const stops = [firstFatal, abortedAt].filter((at) => at >= 0);
        const stoppedAt = stops.length > 0 ? Math.min(...stops) : -1;
        if (firstFatal >= 0) {
          expect(result.status).toBe('failed');
          expect(result.fatal?.name).toBe(log[firstFatal]?.step);
        }
        if (stoppedAt >= 0) {
          for (const e of log.slice(stoppedAt)) {
            if (e.type === 'start') expect(steps[e.index]?.always).toBe(true);
          }
        }

        // Without a stop (and always for `always` steps), `when` alone decides whether a step runs.
        result.records.forEach((r, k) => {
          const s = specs[order[k] as number] as Spec;
          if (!s.always && stoppedAt >= 0) return;
          if (s.when === true) expect(r.outcome).toBe(s.throws ? 'failed' : 'ok');
          else expect(r.skipReason).toBe(s.when === false ? 'when returned false' : 'reason');
        });
        const failed = result.records.some((r) => r.outcome === 'failed');
        if (stoppedAt < 0) expect(result.status).toBe(failed ? 'degraded' : 'ok');
      }),
      {numRuns: 300},
    );
  });
});
