// The cloud-config stages and the layout they write. The rootfs stage may write
// /run/cos/cos-layout.env, so the plan's mounts are completed only after it (load-layout).
import {decideLayout} from '../boot/layout.ts';
import {planBoot} from '../boot/plan.ts';
import type {StepContext} from './context.ts';

export const LAYOUT_FILE = '/run/cos/cos-layout.env';
export const EXTRA_LAYOUT_FILE = '/run/cos/extra-layout.env';

// Kairos cloud-configs and tools expect /system and /oem of the image to be reachable from the
// initramfs while the rootfs stage runs.
export async function runRootfsStage(ctx: StepContext): Promise<void> {
  for (const dir of ['/system', '/oem']) {
    const made = await ctx.sys.symlink(`/sysroot${dir}`, dir);
    ctx.log.debug(`${dir} → /sysroot${dir}: ${made}`);
  }
  await ctx.boot.stages.runStage('rootfs', ctx);
}

export async function runInitramfsStage(ctx: StepContext): Promise<void> {
  await ctx.boot.stages.runStage('initramfs', ctx);
}

export async function loadLayout(ctx: StepContext): Promise<void> {
  const [layout, extra] = await Promise.all([
    ctx.sys.readText(LAYOUT_FILE),
    ctx.sys.readText(EXTRA_LAYOUT_FILE),
  ]);
  const decided = decideLayout(ctx.plan.config, {layout, extra});
  ctx.boot.plan = planBoot(ctx.plan.config, decided);
  for (const p of [...decided.errors, ...decided.warnings])
    ctx.log.warn(`${p.message} ("${p.input}"); using the default. Try: ${p.hint}`);
  const l = decided.value;
  ctx.log.info(
    `${layout === undefined ? `no ${LAYOUT_FILE}, default layout` : `layout from ${LAYOUT_FILE}`}${extra === undefined ? '' : ` and ${EXTRA_LAYOUT_FILE}`}: ` +
      `${l.rwPaths.length} RW paths, ${l.persistentPaths.length} persistent paths (${l.persistentBind ? 'bind' : 'overlay'}), ${l.volumes.length} volumes, overlay ${l.overlay.kind === 'tmpfs' ? `tmpfs:${l.overlay.size}` : l.overlay.device}`,
  );
}
