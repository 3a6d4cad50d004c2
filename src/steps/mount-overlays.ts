// The writable layer: a tmpfs (or device) at /run/overlay, and one overlay per RW path so the
// loop-mounted image under /sysroot stays read-only.
import {overlayName} from '../boot/names.ts';
import {OVERLAY_DIR} from '../boot/plan.ts';
import type {StepContext} from './context.ts';
import {forEachItem, isDeviceSource, mountDevice, mountPlain, warnItem} from './mounting.ts';

export async function mountOverlayBase(ctx: StepContext): Promise<void> {
  const [spec] = ctx.boot.step('mount-overlay-base').mounts;
  if (!spec) return;
  await ctx.sys.mkdirp(spec.target);
  if (isDeviceSource(spec.source))
    await mountDevice(ctx, spec, {timeoutSec: ctx.plan.config.volumeTimeoutSec, fsck: ctx.plan.config.fsck});
  else await mountPlain(ctx, spec);
}

export async function mountRwPaths(ctx: StepContext): Promise<void> {
  const specs = ctx.boot.step('mount-rw-paths').mounts;
  await forEachItem(
    ctx,
    specs,
    (s) => s.target,
    async (spec) => {
      const path = spec.target.slice('/sysroot'.length);
      // A read-only root cannot grow a directory: the path must exist in the image.
      if (!(await ctx.sys.exists(spec.target))) {
        warnItem(
          ctx,
          path,
          `RW path ${path} does not exist in the root image, so it cannot be overlaid`,
          `Create ${path} in the image, or remove it from RW_PATHS in the layout.`,
        );
        return;
      }
      const dir = `${OVERLAY_DIR}/${overlayName(path)}/.overlay`;
      await ctx.sys.mkdirp(`${dir}/upper`, `${dir}/work`);
      await mountPlain(ctx, spec);
    },
  );
}
