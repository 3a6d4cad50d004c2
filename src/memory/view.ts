// `immucore memory show` for a person: the preset and where it came from, each setting with its
// source, the rules, the budget after the overlay tmpfs, and the problems with their fixes.
import type {Problem} from '../boot/problem.ts';
import type {InspectedPolicy} from './inspect.ts';
import {buildPolicyReport} from './report.ts';
import {renderRules} from './rules.ts';

export function renderPolicyText(inspected: InspectedPolicy): string {
  const {policy, budget} = inspected;
  const lines = [
    `memory policy: ${policy.preset} (${policy.presetSource}), for this ${inspected.state} boot`,
  ];
  if (policy.fellBack) lines.push('  the overrides are invalid (see below): the preset alone applies');
  if (policy.base) lines.push(`nohang keys from: ${policy.base.source}`);
  if (policy.settings.length > 0) {
    const width = Math.max(...policy.settings.map((s) => s.key.length + s.value.length + 3));
    lines.push('settings:');
    for (const s of policy.settings) lines.push(`  ${`${s.key} = ${s.value}`.padEnd(width)}  ${s.source}`);
  }
  if (policy.rules.length > 0) {
    lines.push('rules:');
    for (const rule of policy.rules)
      for (const line of renderRules([rule])) lines.push(`  ${line}    (${rule.source})`);
  }
  if (budget) {
    const tmpfs =
      budget.overlayTmpfsMiB > 0
        ? `overlay ${budget.overlay} = ${budget.overlayTmpfsMiB} MiB`
        : 'no overlay tmpfs';
    lines.push(`budget: MemTotal ${budget.memTotalMiB} MiB, ${tmpfs}, ${budget.leftMiB} MiB left`);
    for (const t of budget.thresholds)
      lines.push(`  ${t.key} = ${t.value}: ${t.mib} MiB (${t.percentOfLeft} % of what is left)`);
    lines.push(
      `  for processes before nohang acts: ${budget.headroomMiB} MiB (floor ${budget.floorMiB} MiB)`,
    );
  }
  lines.push(...renderProblems(inspected.problems));
  return `${lines.join('\n')}\n`;
}

export function renderProblems(problems: Problem[]): string[] {
  const lines: string[] = [];
  for (const level of ['error', 'warning'] as const) {
    const some = problems.filter((p) => p.level === level);
    if (some.length === 0) continue;
    lines.push(`${level}s:`);
    for (const p of some) lines.push(`  ${p.message}`, `    Try: ${p.hint}`);
  }
  return lines;
}

/** The JSON of `memory show --json`: report.json's memory policy, plus the problems. */
export function policyToJson(inspected: InspectedPolicy): object {
  return {
    state: inspected.state,
    ...buildPolicyReport(inspected.policy, inspected.budget),
    problems: inspected.problems,
  };
}
