// What a stage would run, in order: `<stage>.before`, `<stage>`, `<stage>.after`, each across all
// sources in source order. Pure: the runner and `immucore stages list` both print from this.
import type {Problem} from '../boot/problem.ts';
import type {LoadedSources} from './load.ts';
import {orderSteps} from './step-order.ts';
import {
  type LocatedStep,
  type PlannedStep,
  type StageName,
  type StagePlan,
  stageParts,
  stageRoot,
  type UnsupportedDirective,
} from './types.ts';

export function planStage(stage: StageName, loaded: LoadedSources): StagePlan {
  const steps: PlannedStep[] = [];
  for (const part of stageParts(stage)) {
    const inPart: Array<PlannedStep & {source: string}> = [];
    for (const source of loaded.sources)
      for (const located of source.stages.get(part) ?? [])
        inPart.push({...located, part, label: stepLabel(part, located), source: source.name || source.file});
    steps.push(...orderPart(inPart));
  }

  const unsupported = new Map<string, string[]>();
  for (const s of steps)
    for (const name of s.step.unsupported) unsupported.set(name, [...(unsupported.get(name) ?? []), s.label]);

  const errors: Problem[] = [...loaded.errors];
  const warnings: Problem[] = [...loaded.warnings];
  for (const source of loaded.sources) {
    const all = [...source.stages.values()].flat();
    const ofSteps = new Set(all.flatMap((s) => [...s.step.errors, ...s.step.warnings]));
    errors.push(...source.errors.filter((p) => !ofSteps.has(p)));
    warnings.push(...source.warnings.filter((p) => !ofSteps.has(p)));
  }
  return {
    stage,
    root: stageRoot(stage),
    files: loaded.sources.map((s) => s.file),
    steps,
    unsupported: [...unsupported].map(([name, where]): UnsupportedDirective => ({name, where})),
    errors,
    warnings,
  };
}

/** A part's steps in yip's `after:` order; a step in an `after:` cycle comes last, with an error. */
function orderPart(inPart: Array<PlannedStep & {source: string}>): PlannedStep[] {
  if (!inPart.some((p) => p.step.after.length > 0)) return inPart.map(({source: _, ...p}) => p);
  const {order, errors, warnings} = orderSteps(
    inPart.map((p) => ({
      source: p.source,
      after: p.step.after,
      label: p.label,
      ...(p.step.name ? {name: p.step.name} : {}),
    })),
  );
  const stuck = inPart.map((_, i) => i).filter((i) => errors.has(i));
  return [...order, ...stuck].map((i) => {
    const {source: _, ...p} = inPart[i] as PlannedStep & {source: string};
    const error = errors.get(i);
    const warning = warnings.get(i);
    if (!error && !warning) return p;
    return {
      ...p,
      step: {
        ...p.step,
        errors: error ? [...p.step.errors, error] : p.step.errors,
        warnings: warning ? [...p.step.warnings, warning] : p.step.warnings,
      },
    };
  });
}

/** `rootfs.after "Merge the custom layout" (/system/oem/05_layout.yaml:30 stages.rootfs.after[0])` */
export function stepLabel(part: string, {step, origin}: LocatedStep): string {
  const index = /\[(\d+)\]$/.exec(origin.path)?.[1];
  const name = step.name ? `"${step.name}"` : `step ${Number(index ?? 0) + 1}`;
  return `${part} ${name} (${origin.file}${origin.line ? `:${origin.line}` : ''} ${origin.path})`;
}
