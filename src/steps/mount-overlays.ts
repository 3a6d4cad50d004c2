// The writable layer: a tmpfs (or device) at /run/overlay, and one overlay per RW path so the
// loop-mounted image under /sysroot stays read-only.
import {overlayBackingSpec, overlayMountSpec} from '../boot/mount-specs.ts';
import type {StepContext} from './context.ts';
import {orderByResolvedTarget, resolveInSysroot} from './in-sysroot.ts';
import {forEachItem, mountDevice, mountPlain, warnItem} from './mounting.ts';

export async function mountOverlayBase(ctx: StepContext): Promise<void> {
  const backing = ctx.boot.mountPlan.overlay;
  const spec = overlayBackingSpec(backing);
  await ctx.sys.mkdirp(spec.target);
  const {config} = ctx.plan;
  if (backing.kind === 'device')
    await mountDevice(ctx, spec, {timeoutSec: config.volumeTimeoutSec, fsck: config.fsck});
  else await mountPlain(ctx, spec);
}

export async function mountRwPaths(ctx: StepContext): Promise<void> {
  await forEachItem(
    ctx,
    await orderByResolvedTarget(ctx, ctx.boot.mountPlan.rwOverlays),
    (o) => o.target,
    async (planned) => {
      const target = await resolveInSysroot(ctx, planned.target, {what: `RW path ${planned.path}`});
      const overlay = {...planned, target, lower: target};
      // A read-only root cannot grow a directory: the path must exist in the image.
      if (!(await ctx.sys.exists(overlay.target))) {
        warnItem(
          ctx,
          overlay.path,
          `RW path ${overlay.path} does not exist in the root image, so it cannot be overlaid`,
          `Create ${overlay.path} in the image, or remove it from RW_PATHS in the layout.`,
        );
        return;
      }
      await ctx.sys.mkdirp(overlay.upper, overlay.work);
      await mountPlain(ctx, overlayMountSpec(overlay), {requested: planned.target});
    },
  );
}
