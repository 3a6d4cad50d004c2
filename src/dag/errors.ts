// Errors of the step runner: a graph that cannot run, and a step that failed while running.
import type {Policy} from './policy.ts';

/** What the CLI prints on a `Try:` line. */
export interface ErrorInfo {
  hint?: string;
}

export type GraphErrorCode = 'duplicate-step' | 'unknown-need' | 'cycle';

/** The declared steps do not form a runnable graph; raised before any step runs. */
export class GraphError extends Error {
  override name = 'GraphError';
  readonly code: GraphErrorCode;
  readonly info: ErrorInfo;

  constructor(code: GraphErrorCode, message: string, info: ErrorInfo) {
    super(message);
    this.code = code;
    this.info = info;
  }
}

/** A step threw; wraps the thrown value once and keeps it as `cause`. */
export class StepError extends Error {
  override name = 'StepError';
  readonly step: string;
  readonly policy: Policy;
  /** 1-based declaration position and the number of steps, as in the message. */
  readonly position: number;
  readonly total: number;
  readonly info: ErrorInfo;

  constructor(opts: {step: string; policy: Policy; position: number; total: number; cause: unknown}) {
    super(`step ${opts.step} (${opts.position}/${opts.total}) failed: ${describeThrown(opts.cause)}`, {
      cause: opts.cause,
    });
    this.step = opts.step;
    this.policy = opts.policy;
    this.position = opts.position;
    this.total = opts.total;
    // Lift the cause's hint so the top-level error alone can fill the CLI's `Try:` line.
    const hint = hintOf(opts.cause);
    this.info = hint === undefined ? {} : {hint};
  }
}

/** The message of whatever a step threw: an Error's message, a string as is, anything else as JSON. */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function hintOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('info' in value)) return undefined;
  const info: unknown = value.info;
  if (typeof info !== 'object' || info === null || !('hint' in info)) return undefined;
  return typeof info.hint === 'string' ? info.hint : undefined;
}
