// How a boot plan is shown: the JSON shape tools and tests depend on, and the text a person
// reads in the recovery shell.
import type {MountSpec} from '../boot/mount-spec.ts';
import type {BootPlan} from '../boot/plan.ts';
import type {Problem} from '../boot/problem.ts';

export interface PlanJson {
  state: string;
  mode: string;
  image?: string;
  steps: Array<{name: string; needs: string[]; policy: string; mounts: MountSpec[]}>;
  problems: Problem[];
}

export function planToJson(plan: BootPlan): PlanJson {
  return {
    state: plan.state.state,
    mode: plan.state.mode,
    ...(plan.image ? {image: plan.image} : {}),
    steps: plan.steps.map((s) => ({name: s.name, needs: s.needs, policy: s.policy, mounts: s.mounts})),
    problems: plan.problems,
  };
}

/** True when the plan has an error: `immucore plan` exits 2, a boot reports it. */
export function hasErrors(plan: BootPlan): boolean {
  return plan.problems.some((p) => p.level === 'error');
}

export function renderPlanText(plan: BootPlan): string {
  const out: string[] = [
    `boot state: ${plan.state.state} (${plan.state.mode} plan, sentinel /run/cos/${plan.state.sentinel})`,
  ];
  if (plan.image) out.push(`root image: ${plan.image} (label ${plan.state.rootLabel})`);
  out.push('', 'steps:');
  plan.steps.forEach((s, i) => {
    const needs =
      s.needs.length === 0 ? '' : s.always ? ' (after all others)' : ` (needs ${s.needs.join(', ')})`;
    out.push(`  ${String(i + 1).padStart(2)}. ${s.name}${s.policy === 'fatal' ? ' [fatal]' : ''}${needs}`);
    for (const m of s.mounts)
      out.push(
        `        ${m.source} → ${m.target} (${m.fstype}${m.options.length ? `, ${m.options.join(',')}` : ''})`,
      );
  });
  if (plan.problems.length) {
    out.push('', 'problems:');
    for (const p of plan.problems) out.push(...renderProblem(p).map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}

export function renderProblem(p: Problem): string[] {
  return [`${p.level}: ${p.message}`, `  input: ${p.input}`, `  Try: ${p.hint}`];
}
