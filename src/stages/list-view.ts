// `immucore stages list`: what each stage would run, from which file, in which order, what each
// step does, and what is wrong with the sources. Pure: from StagePlans to text or JSON.
import {type ConditionVerdict, decideConditions} from './conditions.ts';
import {unsupportedHint} from './directives.ts';
import {type StagePlan, type StageStep, stageParts} from './types.ts';

/** What a step does, in a few words each: `commands (2)`, `environment → <layout file> (OVERLAY)`. */
export function describeStep(step: StageStep): string[] {
  const out: string[] = [];
  const n = (what: string, list: readonly unknown[]) =>
    list.length > 0 && out.push(`${what} (${list.length})`);
  n('directories', step.directories);
  n('files', step.files);
  n('commands', step.commands);
  if (step.hostname !== undefined) out.push(`hostname ${step.hostname}`);
  n('sysctl', step.sysctl);
  n('ensure_entities', step.ensureEntities);
  n('delete_entities', step.deleteEntities);
  n('users', step.users);
  n('authorized_keys', step.authorizedKeys);
  n('modules', step.modules);
  if (step.dns) out.push(`dns → ${step.dns.path} (${step.dns.nameservers.join(' ')})`);
  if (step.timesyncd.length > 0) out.push(`timesyncd (${step.timesyncd.map(([k]) => k).join(', ')})`);
  n('systemctl overrides', step.systemctl.overrides);
  const units = Object.entries(step.systemctl).filter(([verb, l]) => verb !== 'overrides' && l.length > 0);
  if (units.length > 0)
    out.push(`systemctl ${units.map(([verb, l]) => `${verb} ${l.join(' ')}`).join(', ')}`);
  if (step.environment.length > 0)
    out.push(
      `environment → ${step.environmentFile ?? '/etc/environment'} (${step.environment.map(([k]) => k).join(', ')})`,
    );
  if (step.datasource)
    out.push(
      `datasource ${step.datasource.providers.join(' ') || '(no local provider)'} → ${step.datasource.path}${step.datasource.skipped.length > 0 ? ` (skips ${step.datasource.skipped.join(' ')}: network)` : ''}`,
    );
  if (step.layout) {
    const {device, expand, add} = step.layout;
    const what = [
      ...(add.length > 0
        ? [
            `add ${add.map((a) => `${a.pLabel ?? a.fsLabel ?? '?'} ${a.sizeMiB || 'rest'}MiB ${a.filesystem}`).join(', ')}`,
          ]
        : []),
      ...(expand ? [`grow last partition to ${expand.sizeMiB ? `${expand.sizeMiB} MiB` : 'the end'}`] : []),
    ];
    out.push(`layout on ${device.label ? `the disk of ${device.label}` : device.path}: ${what.join('; ')}`);
  }
  if (step.after.length > 0) out.push(`after ${step.after.join(', ')}`);
  return out;
}

export function renderStagePlansText(plans: StagePlan[]): string {
  const lines: string[] = [];
  for (const plan of plans) {
    lines.push(
      `${plan.stage} stage, seen from ${plan.root}: ${plan.steps.length} step(s) from ${plan.files.length} source(s)`,
    );
    let n = 0;
    for (const part of stageParts(plan.stage)) {
      const steps = plan.steps.filter((s) => s.part === part);
      lines.push(`  ${part}:${steps.length === 0 ? ' no steps' : ''}`);
      for (const s of steps) {
        n++;
        const {step, origin} = s;
        lines.push(
          `  ${String(n).padStart(3)}. ${step.name ? `"${step.name}"` : '(no name)'}  ${origin.file}${origin.line ? `:${origin.line}` : ''} ${origin.path}`,
        );
        if (step.if !== undefined) lines.push(`         if ${step.if}`);
        const does = describeStep(step);
        if (does.length > 0) lines.push(`         ${does.join('; ')}`);
        if (step.timeoutSec !== 60) lines.push(`         timeout ${step.timeoutSec} s`);
        if (step.unsupported.length > 0)
          lines.push(`         skips ${step.unsupported.join(', ')} (unsupported)`);
        for (const v of verdictsOf(plan, step))
          lines.push(`         ${v.pass ? 'condition' : 'NOT RUN:'} ${v.condition}: ${v.reason}`);
        for (const e of step.errors) lines.push(`         NOT RUN: ${e.message}`);
        for (const w of step.warnings) lines.push(`         warning: ${w.message}`);
      }
    }
    for (const u of plan.unsupported) lines.push(`  unsupported: ${u.name}: ${unsupportedHint(u.name)}`);
    for (const e of plan.errors) lines.push(`  error: ${e.message}`, `    Try: ${e.hint}`);
    for (const w of plan.warnings) lines.push(`  warning: ${w.message}`, `    Try: ${w.hint}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function stagePlansToJson(plans: StagePlan[]) {
  return {
    stages: plans.map((plan) => ({
      stage: plan.stage,
      root: plan.root,
      files: plan.files,
      steps: plan.steps.map(({part, origin, step}) => ({
        part,
        name: step.name ?? null,
        file: origin.file,
        line: origin.line ?? null,
        path: origin.path,
        if: step.if ?? null,
        does: describeStep(step),
        timeoutSec: step.timeoutSec,
        unsupported: step.unsupported,
        conditions: verdictsOf(plan, step),
        runs: step.errors.length === 0 && verdictsOf(plan, step).every((v) => v.pass),
        errors: step.errors.map((e) => e.message),
        warnings: step.warnings.map((w) => w.message),
      })),
      unsupported: plan.unsupported.map((u) => ({...u, hint: unsupportedHint(u.name)})),
      errors: plan.errors,
      warnings: plan.warnings,
    })),
  };
}

/** True when some source or step has an error (a file or a step will not run). */
export function hasStageErrors(plans: StagePlan[]): boolean {
  return plans.some((p) => p.errors.length > 0 || p.steps.some((s) => s.step.errors.length > 0));
}

/** The verdict of each of the step's conditions on the plan's root (if_files as the root is now). */
export function verdictsOf(plan: StagePlan, step: StageStep): ConditionVerdict[] {
  if (!plan.facts) return [];
  return decideConditions(step.conditions, plan.facts);
}
