// A step's failure policy, on its own so the runner's types and its errors can both name it.

/** `fatal` stops the run (no new steps start); `degrade` records the failure and goes on. */
export type Policy = 'fatal' | 'degrade';
