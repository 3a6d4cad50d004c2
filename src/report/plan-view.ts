// How a boot plan is shown: the JSON shape tools and tests depend on, and the text a person
// reads in the recovery shell.

import type {MountPlan} from '../boot/mount-plan.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import {describeStepMounts} from '../boot/mount-specs.ts';
import type {BootPlan} from '../boot/plan.ts';
import type {Problem} from '../boot/problem.ts';

export interface PlanJson {
  state: string;
  mode: string;
  image?: string;
  steps: Array<{name: string; needs: string[]; policy: string; mounts: MountSpec[]}>;
  problems: Problem[];
}

/** Both phases of a plan, as `immucore plan` shows them: the graph with each step's mounts. */
export interface PlanView {
  plan: BootPlan;
  /** The layout's mounts, for a disk boot. */
  mounts?: MountPlan;
}

function problemsOf({plan, mounts}: PlanView): Problem[] {
  return [...plan.problems, ...(mounts?.problems ?? [])];
}

export function planToJson(view: PlanView): PlanJson {
  const {plan} = view;
  const mounts = describeStepMounts(plan, view.mounts);
  return {
    state: plan.state.state,
    mode: plan.state.mode,
    ...(plan.image ? {image: plan.image} : {}),
    steps: plan.steps.map((s) => ({
      name: s.name,
      needs: s.needs,
      policy: s.policy,
      mounts: mounts[s.name] ?? [],
    })),
    problems: problemsOf(view),
  };
}

/** True when the plan has an error: `immucore plan` exits 2, a boot reports it. */
export function hasErrors(view: PlanView): boolean {
  return problemsOf(view).some((p) => p.level === 'error');
}

export function renderPlanText(view: PlanView): string {
  const {plan} = view;
  const mounts = describeStepMounts(plan, view.mounts);
  const problems = problemsOf(view);
  const out: string[] = [
    `boot state: ${plan.state.state} (${plan.state.mode} plan, sentinel /run/cos/${plan.state.sentinel})`,
  ];
  if (plan.image) out.push(`root image: ${plan.image} (label ${plan.state.rootLabel})`);
  out.push('', 'steps:');
  plan.steps.forEach((s, i) => {
    const needs =
      s.needs.length === 0 ? '' : s.always ? ' (after all others)' : ` (needs ${s.needs.join(', ')})`;
    out.push(`  ${String(i + 1).padStart(2)}. ${s.name}${s.policy === 'fatal' ? ' [fatal]' : ''}${needs}`);
    for (const m of mounts[s.name] ?? [])
      out.push(
        `        ${m.source} → ${m.target} (${m.fstype}${m.options.length ? `, ${m.options.join(',')}` : ''})`,
      );
  });
  if (problems.length) {
    out.push('', 'problems:');
    for (const p of problems) out.push(...renderProblem(p).map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}

export function renderProblem(p: Problem): string[] {
  return [`${p.level}: ${p.message}`, `  input: ${p.input}`, `  Try: ${p.hint}`];
}
