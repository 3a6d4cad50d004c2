// The `memory-policy` boot step (SPEC §4, §10): decide the policy, check it against the memory
// left after the overlay tmpfs, render and enable it in the new root, and record it for the
// report. Invalid input degrades the boot (the preset applies); a missing nohang is a warning.
import {OVERLAY_DIR, SYSROOT} from '../boot/plan.ts';
import {type Problem, warning} from '../boot/problem.ts';
import {applyMemoryPolicy} from '../memory/apply.ts';
import {decideMemoryBudget, FLOOR_MIB} from '../memory/budget.ts';
import {loadMemoryPolicy} from '../memory/load.ts';
import {buildPolicyReport} from '../memory/report.ts';
import type {StepContext} from './context.ts';

export async function writeMemoryPolicy(ctx: StepContext): Promise<void> {
  const {policy, memTotalKiB} = await loadMemoryPolicy({
    sys: ctx.sys,
    root: SYSROOT,
    config: ctx.plan.config,
    state: ctx.plan.state.state,
  });
  ctx.boot.memoryPolicy = policy;
  const problems: Problem[] = [...policy.errors, ...policy.warnings];
  // Only a tmpfs immucore did mount counts: a failed overlay base holds no RAM (nor does a live boot's).
  const tmpfsMounted = ctx.boot.mounts.some((m) => m.target === OVERLAY_DIR && m.fstype === 'tmpfs');
  const layout = tmpfsMounted && ctx.boot.hasMountPlan ? ctx.boot.mountPlan.layout : undefined;
  const {applied, problems: applyProblems} = await applyMemoryPolicy(policy, {
    sys: ctx.sys,
    log: ctx.log,
    root: SYSROOT,
  });
  problems.push(...applyProblems);
  let budget: ReturnType<typeof decideMemoryBudget>['budget'];
  if (memTotalKiB === undefined) {
    if (policy.preset !== 'off' && !('skipped' in applied))
      problems.push(
        warning(
          '/proc/meminfo',
          'MemTotal is not in /proc/meminfo, so the policy is not checked against the overlay tmpfs; ignoring',
          'Boot with /proc mounted (dracut does this), or check the policy later with immucore memory check.',
        ),
      );
  } else {
    const decided = decideMemoryBudget(policy, memTotalKiB, layout?.overlay, FLOOR_MIB, layout?.overlayLine);
    budget = decided.budget;
    problems.push(...decided.problems);
  }
  for (const p of problems) {
    const item = {step: ctx.step, item: p.input, message: p.message, hint: p.hint};
    if (p.level === 'error') {
      ctx.log.error(`${p.message}. Try: ${p.hint}`);
      ctx.boot.failures.push(item);
    } else {
      ctx.log.warn(`${p.message}. Try: ${p.hint}`);
      ctx.boot.warnings.push(item);
    }
  }
  ctx.boot.memory.policy = buildPolicyReport(policy, budget, applied);
  const fell = policy.fellBack ? ', overrides invalid: the preset alone applies' : '';
  const left = budget ? `; ${budget.headroomMiB} MiB for processes after the overlay tmpfs` : '';
  ctx.log.info(`memory policy ${policy.preset} from ${policy.presetSource}${fell}${left}`);
}
