// The early mounts: a tmpfs on the initramfs /tmp, and the partition that holds the image files.
import {BootError} from '../boot/errors.ts';
import {deviceMountSpec, tmpMountSpec} from '../boot/mount-specs.ts';
import type {StepContext} from './context.ts';
import {mountDevice, mountPlain} from './mounting.ts';
import {readAssessmentBlock} from './read-assessment.ts';

export async function mountTmp(ctx: StepContext): Promise<void> {
  const {tmp} = ctx.plan.mounts;
  if (!tmp) return;
  await ctx.sys.mkdirp(tmp.target);
  await mountPlain(ctx, tmpMountSpec(tmp));
}

// Read-only unless rd.immucore.debugrw: the images must not change under a running system. It
// stays mounted in the booted system, because systemd moves the initramfs /run at switch-root.
export async function mountState(ctx: StepContext): Promise<void> {
  const {state} = ctx.plan.mounts;
  if (!state) throw new BootError('the plan has no images partition to mount');
  const spec = deviceMountSpec(state);
  const {config} = ctx.plan;
  try {
    await mountDevice(ctx, spec, {timeoutSec: config.devTimeoutSec, fsck: config.fsck});
  } catch (cause) {
    throw new BootError(`Cannot mount the images partition ${spec.source} at ${spec.target}`, {
      cause,
      input: spec.source,
      hint: `Check that a partition labelled ${spec.source.replace(/^LABEL=/, '')} exists (blkid) and holds an ext4 filesystem; a slow disk may need rd.immucore.devtimeout=<seconds> (now ${config.devTimeoutSec}).`,
    });
  }
  // The block lives on COS_STATE only: a recovery boot's images partition is COS_RECOVERY.
  if (spec.source === 'LABEL=COS_STATE') await readAssessmentBlock(ctx, spec.target);
}
