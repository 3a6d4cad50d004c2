// Ordering hazards of a planned boot: a step that writes where another step mounts, without waiting
// for that mount. The write then lands under the mount (hidden once it is made) or on the mount,
// depending on timing: e.g. the memory policy written to /sysroot/etc/systemd before the Kairos
// layout binds /etc/systemd from COS_PERSISTENT is lost behind the bind. Pure: the plan's declared
// writes (graph.ts) against the mount targets of the typed plan (mount-specs.ts).
import {PERSISTENT_TARGET_SLOT} from './graph.ts';
import type {MountPlan} from './mount-plan.ts';
import {describeStepMounts} from './mount-specs.ts';
import {isSameOrBelow} from './names.ts';
import type {BootPlan, StepName} from './plan.ts';

/** A write path of one step that overlaps a mount target of a step it does not wait for. */
export interface OrderingHazard {
  writer: StepName;
  /** The declared write path, `{persistentTarget}` expanded. */
  write: string;
  mounter: StepName;
  target: string;
}

/**
 * Every (writer, write path, mounter, mount target) where the write and the target overlap (one is
 * the other or lies below it) and the writer does not transitively need the mounter. In the plan's
 * step order, then the order of the writes and the mounts.
 */
export function findOrderingHazards(plan: BootPlan, mountPlan: MountPlan): OrderingHazard[] {
  const mounts = describeStepMounts(plan, mountPlan);
  const needs = planTransitiveNeeds(plan);
  const hazards: OrderingHazard[] = [];
  for (const writer of plan.steps) {
    const before = needs.get(writer.name) ?? new Set<StepName>();
    for (const write of writer.writes.map((w) =>
      w.replaceAll(PERSISTENT_TARGET_SLOT, mountPlan.stateTarget),
    )) {
      for (const mounter of plan.steps) {
        if (mounter.name === writer.name || before.has(mounter.name)) continue;
        for (const {target} of mounts[mounter.name] ?? []) {
          if (isSameOrBelow(target, write) || isSameOrBelow(write, target))
            hazards.push({writer: writer.name, write, mounter: mounter.name, target});
        }
      }
    }
  }
  return hazards;
}

/** For each step of the plan, every step it waits for, directly or through others. */
export function planTransitiveNeeds(plan: Pick<BootPlan, 'steps'>): Map<StepName, Set<StepName>> {
  const direct = new Map(plan.steps.map((s) => [s.name, s.needs]));
  const closure = new Map<StepName, Set<StepName>>();
  const visit = (name: StepName, seen: Set<StepName>): void => {
    for (const need of direct.get(name) ?? []) {
      if (seen.has(need)) continue;
      seen.add(need);
      visit(need, seen);
    }
  };
  for (const s of plan.steps) {
    const seen = new Set<StepName>();
    visit(s.name, seen);
    closure.set(s.name, seen);
  }
  return closure;
}
