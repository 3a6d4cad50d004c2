// Runs a validated step graph: each step starts as soon as its needs have settled, as parallel as
// the graph (and `concurrency`) allows, and every declared step ends with exactly one record.
import {StepError} from './errors.ts';
import {validateGraph} from './graph.ts';
import type {RunEvent, RunOptions, RunResult, StepDef, StepRecord} from './types.ts';

type EventDetail =
  | {type: 'start'}
  | {type: 'done'; durationMs: number}
  | {type: 'failed'; durationMs: number; error: StepError}
  | {type: 'skipped'; reason: string};

/**
 * Runs the steps and resolves with their records; never rejects for a step's failure (only for a
 * GraphError, before anything runs).
 *
 * When a step may start: once every need has settled. That makes a need that failed with policy
 * `degrade`, and a need skipped by its own `when`, count as done: the dependant still runs, since
 * a missing OEM partition or a stage turned off must not stop the mounts after it (SPEC §9). A
 * dependant that cannot cope checks for itself. The needs that do block are a `fatal` failure and a
 * skip caused by one or by cancellation; but those stop the whole run anyway, so every step not
 * yet started (other than `always` steps) is skipped with the reason that stopped it.
 *
 * Status: `failed` if any `fatal` step failed (it wins over cancellation), else `cancelled` if the
 * signal had aborted by the time the run settled, else `degraded` if any step failed, else `ok`.
 */
export async function runSteps<C>(steps: StepDef<C>[], opts: RunOptions<C>): Promise<RunResult> {
  validateGraph(steps);
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const total = steps.length;
  const limit = opts.concurrency ?? Number.POSITIVE_INFINITY;
  const indexOf = new Map(steps.map((s, i) => [s.name, i]));
  const records: Array<StepRecord | undefined> = steps.map(() => undefined);
  const claimed = steps.map(() => false);
  let running = 0;
  let settledCount = 0;
  let fatal: StepRecord | undefined;
  // beforeStep may open a shell on the console: two at once would fight over it, so chain them.
  let beforeQueue: Promise<unknown> = Promise.resolve();
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const stepAt = (i: number): StepDef<C> => steps[i] as StepDef<C>;

  const stopReason = (): string | undefined => {
    if (fatal) return `after fatal failure of ${fatal.name}`;
    if (opts.signal?.aborted) return 'cancelled';
    return undefined;
  };

  const emit = (i: number, detail: EventDetail): void => {
    const event = {
      step: stepAt(i).name,
      index: i,
      total,
      position: `(${i + 1}/${total})`,
      atMs: now() - t0,
      ...detail,
    } as RunEvent;
    try {
      opts.onEvent?.(event);
    } catch {
      // A broken log sink must not leave the run hanging with a step never settled.
    }
  };

  const settle = (i: number, record: StepRecord, detail: EventDetail): void => {
    records[i] = record;
    settledCount++;
    emit(i, detail);
    if (settledCount === total) finish();
  };

  const skip = (i: number, reason: string): void => {
    settle(i, {name: stepAt(i).name, outcome: 'skipped', skipReason: reason}, {type: 'skipped', reason});
  };

  const fail = (i: number, cause: unknown, start: number): void => {
    const step = stepAt(i);
    const end = now();
    const error = new StepError({step: step.name, policy: step.policy, position: i + 1, total, cause});
    const record: StepRecord = {
      name: step.name,
      outcome: 'failed',
      startMs: start - t0,
      durationMs: end - start,
      error,
    };
    if (step.policy === 'fatal') fatal ??= record;
    settle(i, record, {type: 'failed', durationMs: end - start, error});
  };

  const execute = async (i: number, ctx: C): Promise<void> => {
    const step = stepAt(i);
    let start = now();
    try {
      const before = opts.beforeStep;
      if (before) {
        const gate = beforeQueue.then(() => before(step));
        beforeQueue = gate.catch(() => {});
        await gate;
        // A fatal failure or an abort may have landed while we waited: the step has not started.
        const reason = stopReason();
        if (reason !== undefined && !step.always) {
          running--;
          skip(i, reason);
          schedule();
          return;
        }
      }
      start = now();
      emit(i, {type: 'start'});
      await step.run(ctx);
      const durationMs = now() - start;
      running--;
      settle(
        i,
        {name: step.name, outcome: 'ok', startMs: start - t0, durationMs},
        {type: 'done', durationMs},
      );
    } catch (err) {
      running--;
      fail(i, err, start);
    }
    schedule();
  };

  // Settles or starts every step that can move now; loops because a skip can unblock others.
  const schedule = (): void => {
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (let i = 0; i < total; i++) {
        if (records[i] !== undefined || claimed[i]) continue;
        const step = stepAt(i);
        const reason = stopReason();
        if (reason !== undefined && !step.always) {
          skip(i, reason);
          progressed = true;
          continue;
        }
        if (!step.needs.every((n) => records[indexOf.get(n) ?? -1] !== undefined)) continue;
        if (running >= limit) continue;
        progressed = true;
        let ctx: C;
        let verdict: boolean | string;
        try {
          ctx = opts.context(step, i);
          verdict = step.when ? step.when(ctx) : true;
        } catch (err) {
          fail(i, err, now());
          continue;
        }
        if (verdict !== true) {
          skip(i, typeof verdict === 'string' && verdict !== '' ? verdict : 'when returned false');
          continue;
        }
        claimed[i] = true;
        running++;
        void execute(i, ctx);
      }
    }
  };

  const onAbort = () => schedule();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    if (total === 0) finish();
    schedule();
    await finished;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }

  const all = records as StepRecord[];
  const status = fatal
    ? 'failed'
    : opts.signal?.aborted
      ? 'cancelled'
      : all.some((r) => r.outcome === 'failed')
        ? 'degraded'
        : 'ok';
  return fatal ? {records: all, status, fatal} : {records: all, status};
}
