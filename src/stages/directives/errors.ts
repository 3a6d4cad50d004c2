// A directive applies every item it can and then reports what failed, as yip does: one bad file
// does not stop the next.

/** Thrown by a directive when some of its items failed; each failure is kept. */
export class DirectiveError extends Error {
  override name = 'DirectiveError';
  constructor(readonly failures: Error[]) {
    super(failures.map((f) => f.message).join('; '), {cause: failures[0]});
  }
}

/** Run `fn` on every item; throw a DirectiveError naming every failure, if any. */
export async function collectErrors<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  const failures: Error[] = [];
  for (const item of items) {
    try {
      await fn(item);
    } catch (err) {
      failures.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new DirectiveError(failures);
}
