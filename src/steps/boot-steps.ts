// What each step of the boot graph does. The graph's shape (names, needs, policies, writes) is
// declared once in src/boot/graph.ts; this table gives every name its implementation, and the
// type makes a step without one a compile error.
import type {StepName} from '../boot/graph.ts';
import type {BootPlan} from '../boot/plan.ts';
import type {StepDef} from '../dag/index.ts';
import {activateDevices, shouldActivateDevices} from './activate-devices.ts';
import {attachImage, mountRoot} from './attach-image.ts';
import {bindPersistentPaths} from './bind-persistent.ts';
import type {StepContext} from './context.ts';
import {linkExtensions} from './link-extensions.ts';
import {writeMemoryPolicy} from './memory-policy.ts';
import {mountOem} from './mount-oem.ts';
import {mountOverlayBase, mountRwPaths} from './mount-overlays.ts';
import {mountState, mountTmp} from './mount-state.ts';
import {mountVolumes} from './mount-volumes.ts';
import {writeSentinel} from './sentinel.ts';
import {loadLayout, runInitramfsStage, runRootfsStage} from './stages.ts';
import {unlockOem, unlockVolumes} from './unlock-luks.ts';
import {waitSysroot} from './wait-sysroot.ts';
import {writeFstab} from './write-fstab.ts';
import {writeReport} from './write-report.ts';

type StepImpl = Pick<StepDef<StepContext>, 'run' | 'when'>;

export const STEP_IMPLS: Record<StepName, StepImpl> = {
  sentinel: {run: writeSentinel},
  'activate-devices': {run: activateDevices, when: shouldActivateDevices},
  'mount-tmp': {run: mountTmp},
  'mount-state': {run: mountState},
  'attach-image': {run: attachImage},
  'mount-root': {run: mountRoot},
  'mount-oem': {run: mountOem},
  'unlock-oem': {run: unlockOem},
  'unlock-volumes': {
    run: unlockVolumes,
    when: (ctx) => (ctx.boot.mountPlan.volumes.length ? true : 'no volumes in the layout'),
  },
  'rootfs-stage': {run: runRootfsStage},
  'load-layout': {run: loadLayout},
  'mount-overlay-base': {run: mountOverlayBase},
  'mount-volumes': {
    run: mountVolumes,
    when: (ctx) => (ctx.boot.mountPlan.volumes.length ? true : 'no volumes in the layout'),
  },
  'mount-rw-paths': {run: mountRwPaths},
  'mount-persistent': {
    run: bindPersistentPaths,
    when: (ctx) => (ctx.boot.mountPlan.persistent.length ? true : 'no persistent paths in the layout'),
  },
  'link-extensions': {run: linkExtensions},
  'memory-policy': {run: writeMemoryPolicy},
  'write-fstab': {run: writeFstab},
  'initramfs-stage': {run: runInitramfsStage},
  'wait-sysroot': {run: waitSysroot},
  report: {run: writeReport},
};

/** The plan's steps with their implementations, ready for the runner. */
export function bootSteps(plan: BootPlan): StepDef<StepContext>[] {
  return plan.steps.map((s) => ({
    name: s.name,
    needs: s.needs,
    policy: s.policy,
    ...(s.always ? {always: true} : {}),
    ...STEP_IMPLS[s.name],
  }));
}
