// Checks on the declared graph, made before any step runs: a typo in a need or a cycle would
// otherwise surface mid-boot as a step that never starts.
import {closestName as closestWithin} from '../util/closest-name.ts';
import {GraphError} from './errors.ts';
import type {StepNode} from './types.ts';

/** Throws GraphError for a duplicate name, a need that names no step, or a cycle. */
export function validateGraph(steps: readonly StepNode[]): void {
  const firstIndex = new Map<string, number>();
  steps.forEach((step, i) => {
    const seen = firstIndex.get(step.name);
    if (seen !== undefined) {
      throw new GraphError(
        'duplicate-step',
        `Step "${step.name}" is declared twice (steps ${seen + 1} and ${i + 1} of ${steps.length})`,
        {hint: 'Give each step a unique name: needs refer to steps by name.'},
      );
    }
    firstIndex.set(step.name, i);
  });

  for (const step of steps) {
    for (const need of step.needs) {
      if (firstIndex.has(need)) continue;
      const others = steps.map((s) => s.name).filter((n) => n !== step.name);
      const closest = closestName(need, others);
      const suggestion = closest === undefined ? 'none is declared besides it' : `closest is "${closest}"`;
      throw new GraphError(
        'unknown-need',
        `Step "${step.name}" needs "${need}", which is not a declared step (${suggestion})`,
        {
          hint:
            closest === undefined
              ? `Declare a step named "${need}" or remove it from the needs of "${step.name}".`
              : `Did you mean "${closest}"? Otherwise declare a step named "${need}".`,
        },
      );
    }
  }

  const cycle = findCycle(steps);
  if (cycle) {
    throw new GraphError('cycle', `Steps form a cycle: ${cycle.join(' → ')} (each step needs the next)`, {
      hint: 'Remove one of these needs: no step in a cycle can ever start.',
    });
  }
}

/**
 * The order a one-at-a-time run would take: each step after its needs, ties broken by
 * declaration order. Assumes a valid graph.
 */
export function planOrder(steps: readonly StepNode[]): string[] {
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < steps.length) {
    const next = steps.find((s) => !placed.has(s.name) && s.needs.every((n) => placed.has(n)));
    if (!next) throw new Error('planOrder: graph has a cycle or an unknown need; call validateGraph first');
    placed.add(next.name);
    order.push(next.name);
  }
  return order;
}

/** The first cycle found, as names with the first repeated at the end (`a, b, c, a`), or undefined. */
function findCycle(steps: readonly StepNode[]): string[] | undefined {
  const needsOf = new Map(steps.map((s) => [s.name, s.needs]));
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();

  const visit = (name: string): string[] | undefined => {
    if (onStack.has(name)) return [...stack.slice(stack.indexOf(name)), name];
    if (done.has(name)) return undefined;
    stack.push(name);
    onStack.add(name);
    for (const need of needsOf.get(name) ?? []) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    stack.pop();
    onStack.delete(name);
    done.add(name);
    return undefined;
  };

  for (const step of steps) {
    const cycle = visit(step.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The candidate with the smallest edit distance to `name`; the first declared wins a tie. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  return closestWithin(name, candidates, Number.POSITIVE_INFINITY);
}
