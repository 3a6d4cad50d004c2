// What a stage would run, in order: `<stage>.before`, `<stage>`, `<stage>.after`, each across all
// sources in source order. Pure: the runner and `immucore stages list` both print from this.
import type {Problem} from '../boot/problem.ts';
import type {LoadedSources} from './load.ts';
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
  for (const part of stageParts(stage))
    for (const source of loaded.sources)
      for (const located of source.stages.get(part) ?? [])
        steps.push({...located, part, label: stepLabel(part, located)});

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

/** `rootfs.after "Merge the custom layout" (/system/oem/05_layout.yaml:30 stages.rootfs.after[0])` */
export function stepLabel(part: string, {step, origin}: LocatedStep): string {
  const index = /\[(\d+)\]$/.exec(origin.path)?.[1];
  const name = step.name ? `"${step.name}"` : `step ${Number(index ?? 0) + 1}`;
  return `${part} ${name} (${origin.file}${origin.line ? `:${origin.line}` : ''} ${origin.path})`;
}
