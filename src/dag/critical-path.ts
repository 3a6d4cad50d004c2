// Which chain of steps set the run's end time: the part of a slow boot worth making faster.
import type {StepNode, StepRecord} from './types.ts';

/**
 * The chain of steps that determined the end time, first to last: from the last step to finish,
 * walk back through the need that finished last. A need that never ran (skipped) has no end
 * time, so the walk looks through it to its own needs.
 */
export function criticalPath(records: readonly StepRecord[], steps: readonly StepNode[]): string[] {
  const endOf = new Map<string, number>();
  for (const r of records) {
    if (r.startMs !== undefined && r.durationMs !== undefined) endOf.set(r.name, r.startMs + r.durationMs);
  }
  const needsOf = new Map(steps.map((s) => [s.name, s.needs]));

  const path: string[] = [];
  let current = latest([...endOf.keys()], endOf);
  while (current !== undefined) {
    path.push(current);
    current = latest(timedNeeds(current, needsOf, endOf), endOf);
  }
  return path.reverse();
}

/** The nearest needs that ran, looking through the ones that were skipped. */
function timedNeeds(name: string, needsOf: Map<string, string[]>, endOf: Map<string, number>): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const pending = [...(needsOf.get(name) ?? [])];
  for (let need = pending.shift(); need !== undefined; need = pending.shift()) {
    if (seen.has(need)) continue;
    seen.add(need);
    if (endOf.has(need)) found.push(need);
    else pending.push(...(needsOf.get(need) ?? []));
  }
  return found;
}

/** The name that finished last; the first listed wins a tie. */
function latest(names: string[], endOf: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestEnd = Number.NEGATIVE_INFINITY;
  for (const name of names) {
    const end = endOf.get(name) ?? Number.NEGATIVE_INFINITY;
    if (end > bestEnd) {
      best = name;
      bestEnd = end;
    }
  }
  return best;
}
