// A problem found in the boot's input (a cmdline token, a layout line, a path). It names the exact
// input, says why it is wrong and how to fix it; the boot goes on with the default where it can.
export type ProblemLevel = 'error' | 'warning';

export interface Problem {
  level: ProblemLevel;
  /** The exact input at fault, as the user wrote it (a cmdline token, a `KEY=value` line, a path). */
  input: string;
  message: string;
  hint: string;
}

/** What a validator that can find several problems returns, instead of throwing on the first one. */
export interface Validated<T> {
  value: T;
  errors: Problem[];
  warnings: Problem[];
}

export function error(input: string, message: string, hint: string): Problem {
  return {level: 'error', input, message, hint};
}

export function warning(input: string, message: string, hint: string): Problem {
  return {level: 'warning', input, message, hint};
}

/** Errors first, then warnings, as they are listed to the user. */
export function listProblems(v: Pick<Validated<unknown>, 'errors' | 'warnings'>): Problem[] {
  return [...v.errors, ...v.warnings];
}
