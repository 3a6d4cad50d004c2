// The typed plan items as mount(2) specs: what the steps hand to sys.mount, what `immucore plan`
// prints and what fstab records. One rendering per kind of item.

import type {MountPlan, OverlayBacking, PersistentPath, RwOverlay, VolumeMount} from './mount-plan.ts';
import type {MountSpec} from './mount-spec.ts';
import type {BootPlan, DeviceMount, StepName} from './plan.ts';

/** A device mount; `fstype: 'auto'` until the device has been probed. */
export function deviceMountSpec(m: DeviceMount): MountSpec {
  return {source: m.source, target: m.target, fstype: 'auto', options: [m.readOnly ? 'ro' : 'rw']};
}

export function tmpMountSpec(m: {target: string; options: string[]}): MountSpec {
  return {source: 'tmpfs', target: m.target, fstype: 'tmpfs', options: m.options};
}

export function overlayBackingSpec(o: OverlayBacking): MountSpec {
  if (o.kind === 'device') return {source: o.device, target: o.target, fstype: 'auto', options: ['rw']};
  return {source: 'tmpfs', target: o.target, fstype: 'tmpfs', options: ['rw', `size=${o.size}`]};
}

export function volumeMountSpec(v: VolumeMount): MountSpec {
  return {source: v.device, target: v.target, fstype: 'auto', options: ['rw']};
}

export function overlayMountSpec(o: Pick<RwOverlay, 'target' | 'lower' | 'upper' | 'work'>): MountSpec {
  return {
    source: 'overlay',
    target: o.target,
    fstype: 'overlay',
    options: [`lowerdir=${o.lower}`, `upperdir=${o.upper}`, `workdir=${o.work}`],
  };
}

export function persistentMountSpec(p: PersistentPath): MountSpec {
  if (p.mode === 'overlay') return overlayMountSpec(p);
  return {source: p.stateDir, target: p.target, fstype: 'none', options: ['bind']};
}

/** What each step would mount, for `immucore plan` and the ordering checks. */
export function describeStepMounts(
  plan: BootPlan,
  mounts?: MountPlan,
): Partial<Record<StepName, MountSpec[]>> {
  const early = plan.mounts;
  const out: Partial<Record<StepName, MountSpec[]>> = {};
  const has = (name: StepName) => plan.steps.some((s) => s.name === name);
  if (early.tmp) out['mount-tmp'] = [tmpMountSpec(early.tmp)];
  if (early.state) out['mount-state'] = [deviceMountSpec(early.state)];
  if (early.root) out['mount-root'] = [deviceMountSpec(early.root)];
  if (early.oem && has('mount-oem')) out['mount-oem'] = [deviceMountSpec(early.oem)];
  if (mounts && has('load-layout')) {
    out['mount-overlay-base'] = [overlayBackingSpec(mounts.overlay)];
    out['mount-volumes'] = mounts.volumes.map(volumeMountSpec);
    out['mount-rw-paths'] = mounts.rwOverlays.map(overlayMountSpec);
    out['mount-persistent'] = mounts.persistent.map(persistentMountSpec);
  }
  return out;
}
