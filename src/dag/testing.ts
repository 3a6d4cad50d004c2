// Test helpers for the runner: steps the test finishes by hand, a clock it moves by hand, and a
// log of what happened in order. No sleeps: tests decide when each step ends.
import type {Policy, StepDef} from './types.ts';

export interface TestCtx {
  name: string;
  index: number;
  signal: AbortSignal | undefined;
}

export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function deferred(): Deferred {
  let resolve = () => {};
  let reject: (err: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {promise, resolve, reject};
}

/** Lets every pending promise callback run; not a timer, the clock is the fake one. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface StepOpts {
  policy?: Policy;
  /** Throw this instead of finishing. */
  fails?: unknown;
  /** Wait for the test to call `finish(name)` / `fail(name, err)`. */
  manual?: boolean;
  /** Move the fake clock by this much while running. */
  takes?: number;
  when?: StepDef<TestCtx>['when'];
  always?: boolean;
}

/** A fake clock, a log, and a factory for steps that write `start x` / `end x` to it. */
export function makeHarness(signal?: AbortSignal) {
  const log: string[] = [];
  const gates = new Map<string, Deferred>();
  const clock = {t: 1000};
  const contexts: TestCtx[] = [];

  const gate = (name: string): Deferred => {
    let d = gates.get(name);
    if (!d) {
      d = deferred();
      gates.set(name, d);
    }
    return d;
  };

  const step = (name: string, needs: string[] = [], o: StepOpts = {}): StepDef<TestCtx> => ({
    name,
    needs,
    policy: o.policy ?? 'degrade',
    ...(o.when ? {when: o.when} : {}),
    ...(o.always ? {always: true} : {}),
    run: async () => {
      log.push(`start ${name}`);
      if (o.manual) await gate(name).promise;
      clock.t += o.takes ?? 0;
      if (o.fails !== undefined) {
        log.push(`fail ${name}`);
        throw o.fails;
      }
      log.push(`end ${name}`);
    },
  });

  return {
    log,
    clock,
    contexts,
    step,
    finish: (name: string) => gate(name).resolve(),
    fail: (name: string, err: unknown) => gate(name).reject(err),
    options: {
      context: (s: StepDef<TestCtx>, index: number): TestCtx => {
        const ctx = {name: s.name, index, signal};
        contexts.push(ctx);
        return ctx;
      },
      now: () => clock.t,
      ...(signal ? {signal} : {}),
    },
  };
}
