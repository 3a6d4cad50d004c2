// The vocabulary of the step runner: a graph of named steps with needs and a failure policy, run
// as parallel as the graph allows. Nothing here knows about booting.
import type {StepError} from './errors.ts';
import type {Policy} from './policy.ts';

export type {Policy} from './policy.ts';

/** One step of a run, declared as data. */
export interface StepDef<C> {
  name: string;
  needs: string[];
  policy: Policy;
  run: (ctx: C) => Promise<void>;
  /** Evaluated by the runner just before the step would start; false or a string (the reason) skips it, logged as a skip. */
  when?: (ctx: C) => boolean | string;
  /** Runs once all its needs are settled, whatever their outcome, and even after a fatal failure or cancellation (the boot report). */
  always?: boolean;
}

/** The graph shape only: what validation and the critical path look at. */
export interface StepNode {
  name: string;
  needs: string[];
}

export type Outcome = 'ok' | 'failed' | 'skipped';

/** What happened to one declared step. */
export interface StepRecord {
  name: string;
  outcome: Outcome;
  /** Offset in ms from the run's start; set for every step that started. */
  startMs?: number;
  durationMs?: number;
  error?: StepError;
  skipReason?: string;
}

/** The whole run: every declared step exactly once, in declaration order. */
export interface RunResult {
  records: StepRecord[];
  status: 'ok' | 'degraded' | 'failed' | 'cancelled';
  /** The first step that failed with policy `fatal`. */
  fatal?: StepRecord;
}

interface EventBase {
  step: string;
  /** 0-based declaration index. */
  index: number;
  total: number;
  /** Declaration position for the log, e.g. "(3/7)". */
  position: string;
  /** Offset in ms from the run's start. */
  atMs: number;
}

/** A lifecycle event, for the log: `step mountOverlays (3/7): starting`, `done in 41ms`, `failed: <message>`. */
export type RunEvent =
  | (EventBase & {type: 'start'})
  | (EventBase & {type: 'done'; durationMs: number})
  | (EventBase & {type: 'failed'; durationMs: number; error: StepError})
  | (EventBase & {type: 'skipped'; reason: string});

export interface RunOptions<C> {
  /** Builds one context per step (lets the caller prefix the logger); called before `when`. */
  context: (step: StepDef<C>, index: number) => C;
  /** Aborting stops new steps from starting; steps in flight get the signal through their context. */
  signal?: AbortSignal;
  /** Ms clock, default performance.now; records hold offsets from the run's start. */
  now?: () => number;
  /** Awaited before a step starts (e.g. rd.immucore.break: a shell); calls never overlap. */
  beforeStep?: (step: StepDef<C>) => Promise<void>;
  onEvent?: (e: RunEvent) => void;
  /** Most steps running at once; default unlimited. */
  concurrency?: number;
}
