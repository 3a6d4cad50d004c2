// Errors that carry the input and a hint (STYLE §4). The CLI prints the message, each cause as
// "Caused by:", and the hint as "Try:".

export interface ErrorInfo {
  hint?: string;
  input?: string;
  cause?: unknown;
}

export class BootError extends Error {
  override name = 'BootError';
  readonly info: {hint?: string; input?: string};
  constructor(message: string, info: ErrorInfo = {}) {
    super(message, info.cause === undefined ? undefined : {cause: info.cause});
    this.info = {hint: info.hint, input: info.input};
  }
}

/** A command was called with input it cannot use (a missing file, a bad flag value). */
export class UsageError extends BootError {
  override name = 'UsageError';
}

/** Every line of an error for a person: the message, its causes, then the hint. */
export function renderError(err: unknown): string[] {
  const lines: string[] = [];
  let hint: string | undefined;
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && depth < 8; depth++) {
    const msg = cur instanceof Error ? cur.message : String(cur);
    lines.push(depth === 0 ? msg : `Caused by: ${msg}`);
    hint ??= hintOf(cur);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  if (hint) lines.push(`Try: ${hint}`);
  return lines;
}

/** The hint an error carries, whichever error family it comes from (BootError, SysError, GraphError). */
export function hintOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as {info?: {hint?: unknown}; hint?: unknown};
  const hint = e.info?.hint ?? e.hint;
  return typeof hint === 'string' ? hint : undefined;
}
