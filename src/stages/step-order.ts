// yip's `after:` ordering within one stage part (its executor's DAG, run one step at a time here).
// Pure. yip names each step `<source name or file>.<step name>` (`.<i>` when the file repeats a
// name, the index when it has none; a name taken twice across files gets `.1`, `.2`…), and orders:
// - a step with `after:` waits for the steps it names, and for nothing else;
// - a step without `after:` waits for the step before it in its file;
// - the steps of a file wait for every step of the file before it that has no `after:`.
// yip runs the ready steps of a DAG layer in parallel; we run them one by one, lowest source position
// first, so without `after:` the order is the file order, as before. Dependencies only order: a
// failed step does not stop those after it (yip's weak dependencies).
import {error, type Problem, warning} from '../boot/problem.ts';

export interface OrderInput {
  /** The source's `name:`, else its file; steps of one source are contiguous and in file order. */
  source: string;
  /** The step's `name:`. */
  name?: string;
  /** Names in the step's `after:` list (yip's full `<source>.<step>` or, our addition, a bare step name unique in the part). */
  after: string[];
  /** Where the step is, for messages. */
  label: string;
}

export interface StepOrder {
  /** Indexes into the input, in run order (steps in a cycle are left out). */
  order: number[];
  /** yip's name for each step, by input index. */
  names: string[];
  /** Per input index: why the step cannot run (a cycle). */
  errors: Map<number, Problem>;
  /** Per input index: `after:` names that match no step (ignored, as yip's weak dependencies). */
  warnings: Map<number, Problem>;
}

export function orderSteps(steps: readonly OrderInput[]): StepOrder {
  const names = yipNames(steps);
  const byName = new Map(names.map((n, i) => [n, i]));
  const bare = new Map<string, number[]>();
  for (const [i, s] of steps.entries()) if (s.name) bare.set(s.name, [...(bare.get(s.name) ?? []), i]);

  const deps: Array<Set<number>> = steps.map(() => new Set());
  const warnings = new Map<number, Problem>();
  let prevFile: number[] = [];
  let file: number[] = [];
  steps.forEach((s, i) => {
    const first = i === 0 || steps[i - 1]?.source !== s.source;
    if (first) {
      prevFile = file;
      file = [];
    }
    if (s.after.length > 0) {
      const unknown: string[] = [];
      for (const a of s.after) {
        const j = byName.get(a) ?? uniqueBare(bare, a);
        if (j === undefined || j === i) unknown.push(a);
        else deps[i]?.add(j);
      }
      if (unknown.length > 0)
        warnings.set(
          i,
          warning(
            s.label,
            `${s.label}: after: ${unknown.map((u) => `"${u}"`).join(', ')} names no other step of this stage part; ignored (as yip)`,
            `Name a step as yip does, "<file or config name>.<step name>", e.g. "${s.source}.<step name>".`,
          ),
        );
    } else if (!first) deps[i]?.add(i - 1);
    for (const p of prevFile) if ((steps[p]?.after.length ?? 0) === 0) deps[i]?.add(p);
    file.push(i);
  });

  const order: number[] = [];
  const done = new Set<number>();
  for (;;) {
    const next = steps.findIndex((_, i) => !done.has(i) && [...(deps[i] ?? [])].every((d) => done.has(d)));
    if (next < 0) break;
    done.add(next);
    order.push(next);
  }
  const errors = new Map<number, Problem>();
  const stuck = steps.map((_, i) => i).filter((i) => !done.has(i));
  for (const i of stuck) {
    const label = steps[i]?.label ?? '';
    const waits = [...(deps[i] ?? [])].filter((d) => !done.has(d)).map((d) => `"${names[d]}"`);
    errors.set(
      i,
      error(
        label,
        `its after: waits in a cycle (on ${waits.join(', ')})`,
        'Remove one after: of the cycle; steps ordered by after: must not wait on each other.',
      ),
    );
  }
  return {order, names, errors, warnings};
}

/** yip's op names: `<source>.<name>`, `.<i>` when a file repeats a name, the index when unnamed, `.1`… when taken. */
function yipNames(steps: readonly OrderInput[]): string[] {
  const raw: string[] = [];
  let start = 0;
  for (let i = 0; i <= steps.length; i++) {
    if (i < steps.length && (i === 0 || steps[i - 1]?.source === steps[i]?.source)) continue;
    const file = steps.slice(start, i);
    const seen = new Set<string>();
    const repeats = file.some((s) => {
      const n = s.name ?? '';
      if (seen.has(n)) return true;
      seen.add(n);
      return false;
    });
    file.forEach((s, k) => {
      let name = s.name ?? '';
      if (repeats) name = `${name}.${k}`;
      if (name === '') name = String(k);
      raw.push(`${s.source}.${name}`);
    });
    start = i;
  }
  const count = new Map<string, number>();
  return raw.map((n) => {
    const c = count.get(n) ?? 0;
    count.set(n, c + 1);
    return c > 0 ? `${n}.${c}` : n;
  });
}

function uniqueBare(bare: Map<string, number[]>, name: string): number | undefined {
  const hits = bare.get(name);
  return hits?.length === 1 ? hits[0] : undefined;
}
