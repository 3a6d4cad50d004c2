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
  const before = await ctx.sys.readdir(spec.target);
  const {config} = ctx.plan;
  if (backing.kind === 'device')
    await mountDevice(ctx, spec, {timeoutSec: config.volumeTimeoutSec, fsck: config.fsck});
  else await mountPlain(ctx, spec);
  // Already mounted (immucore retry): what is there is the backing's own content.
  if (ctx.boot.mounts.at(-1)?.result === 'mounted') warnHidden(ctx, spec.target, before);
}

// The backing is mounted after the rootfs stage (it may set OVERLAY), so what a rootfs step wrote
// under /run/overlay lands in the initramfs's own /run: the mount hides it from the booted system
// while it keeps its RAM until the initramfs is freed, and a step that fills it fills /run.
function warnHidden(ctx: StepContext, target: string, names: string[] | undefined): void {
  if (!names?.length) return;
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
  warnItem(
    ctx,
    target,
    `${target} already holds ${shown} before the overlay backing is mounted over it: written there before the mount (by a rootfs stage step), hidden from the booted system from now on, its space still taken in the initramfs's /run`,
    `Write under ${target} from the initramfs stage (it runs after the mounts, chrooted in /sysroot: /var, /etc and the other RW paths land there), or write elsewhere under /run in the rootfs stage.`,
  );
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
