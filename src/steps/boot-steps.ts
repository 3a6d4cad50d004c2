// The boot graph as data: the plan (src/boot/plan.ts) says which steps run and what each needs;
// this table says what each step does.
import type {BootPlan} from '../boot/plan.ts';
import type {StepDef} from '../dag/index.ts';
import {withMemoryGuard} from '../memory/guard-step.ts';
import {writeMemoryPolicy} from '../memory/memory-step.ts';
import {attachImage, mountRoot} from './attach-image.ts';
import {bindPersistentPaths} from './bind-persistent.ts';
import type {StepContext} from './context.ts';
import {linkExtensions} from './link-extensions.ts';
import {mountOem} from './mount-oem.ts';
import {mountOverlayBase, mountRwPaths} from './mount-overlays.ts';
import {mountState, mountTmp} from './mount-state.ts';
import {mountVolumes} from './mount-volumes.ts';
import {loadLayout, runInitramfsStage, runRootfsStage} from './run-stages.ts';
import {writeSentinel} from './sentinel.ts';
import {waitSysroot} from './wait-sysroot.ts';
import {writeFstab} from './write-fstab.ts';
import {writeReport} from './write-report.ts';

type StepImpl = Pick<StepDef<StepContext>, 'run' | 'when'>;

export const STEP_IMPLS: Record<string, StepImpl> = {
  sentinel: {run: writeSentinel},
  'mount-tmp': {run: mountTmp},
  'mount-state': {run: mountState},
  'attach-image': {run: attachImage},
  'mount-root': {run: mountRoot},
  'mount-oem': {run: mountOem},
  'rootfs-stage': {run: withMemoryGuard(runRootfsStage)},
  'load-layout': {run: loadLayout},
  'mount-overlay-base': {run: mountOverlayBase},
  'mount-volumes': {
    run: mountVolumes,
    when: (ctx) => (ctx.boot.step('mount-volumes').mounts.length ? true : 'no volumes in the layout'),
  },
  'mount-rw-paths': {run: mountRwPaths},
  'mount-persistent': {
    run: bindPersistentPaths,
    when: (ctx) =>
      ctx.boot.step('mount-persistent').mounts.length ? true : 'no persistent paths in the layout',
  },
  'link-extensions': {run: linkExtensions},
  'memory-policy': {run: writeMemoryPolicy},
  'write-fstab': {run: writeFstab},
  'initramfs-stage': {run: withMemoryGuard(runInitramfsStage)},
  'wait-sysroot': {run: waitSysroot},
  report: {run: writeReport},
};

/** The plan's steps with their implementations, ready for the runner. */
export function bootSteps(plan: BootPlan): StepDef<StepContext>[] {
  return plan.steps.map((s) => {
    const impl = STEP_IMPLS[s.name];
    if (!impl) throw new Error(`no implementation for plan step ${s.name}`);
    return {name: s.name, needs: s.needs, policy: s.policy, ...(s.always ? {always: true} : {}), ...impl};
  });
}
