// The cloud-config stages and the layout they write. The rootfs stage may write the layout files,
// so the layout's mounts are planned only after it, once, by load-layout (phase two).
import {BootError} from '../boot/errors.ts';
import {EXTRA_LAYOUT_FILE, LAYOUT_FILE, type LayoutFiles} from '../boot/layout.ts';
import {planMounts} from '../boot/mount-plan.ts';
import {SYSROOT} from '../boot/plan.ts';
import {readConfigSources, readLayoutFiles} from '../inputs/read-inputs.ts';
import {loadMemoryPolicy} from '../memory/load.ts';
import type {EffectivePolicy} from '../memory/policy.ts';
import {stageRoot} from '../stages/types.ts';
import {type StepContext, stageContextOf} from './context.ts';
import {runGuarded} from './memory-guard.ts';

// Kairos cloud-configs and tools expect /system and /oem of the image to be reachable from the
// initramfs while the rootfs stage runs.
export async function runRootfsStage(ctx: StepContext): Promise<void> {
  for (const dir of ['/system', '/oem']) {
    const made = await ctx.sys.symlink(`${SYSROOT}${dir}`, dir);
    ctx.log.debug(`${dir} → ${SYSROOT}${dir}: ${made}`);
  }
  // One read of the sources serves the stage and the guard's policy.
  const sources = await readConfigSources(ctx.sys, stageRoot('rootfs'), ctx.plan.config.configUrl);
  const policy = decidePolicy(ctx, sources);
  await runGuarded(ctx, policy, () => ctx.boot.stages.runStage('rootfs', stageContextOf(ctx), sources));
}

// The memory-policy step has decided the policy by now (this step needs it); a live boot with
// rd.immucore.disable never gets here.
export async function runInitramfsStage(ctx: StepContext): Promise<void> {
  const policy = ctx.boot.memoryPolicy ? Promise.resolve(ctx.boot.memoryPolicy) : decidePolicy(ctx);
  await runGuarded(ctx, policy, () => ctx.boot.stages.runStage('initramfs', stageContextOf(ctx)));
}

async function decidePolicy(
  ctx: StepContext,
  sources?: Awaited<ReturnType<typeof readConfigSources>>,
): Promise<EffectivePolicy> {
  const {policy} = await loadMemoryPolicy({
    sys: ctx.sys,
    root: SYSROOT,
    config: ctx.plan.config,
    state: ctx.plan.state.state,
    ...(sources ? {sources} : {}),
  });
  return policy;
}

/** Phase two: read the layout files once and plan every mount of the layout. */
export async function loadLayout(ctx: StepContext): Promise<void> {
  // A layout file that cannot be read (not a file, no permission) costs the layout, not the mounts:
  // the defaults are planned, and the step fails afterwards so the boot is degraded and says why.
  let files: LayoutFiles = {};
  let unreadable: unknown;
  try {
    files = await readLayoutFiles(ctx.sys);
  } catch (err) {
    unreadable = err;
  }
  const plan = planMounts(ctx.plan.config, files);
  ctx.boot.setMountPlan(plan);
  for (const p of plan.problems)
    ctx.log.warn(`${p.message} ("${p.input}"); using the default. Try: ${p.hint}`);
  const {layout} = plan;
  const from =
    files.layout === undefined ? `no ${LAYOUT_FILE}, default layout` : `layout from ${LAYOUT_FILE}`;
  ctx.log.info(
    `${from}${files.extra === undefined ? '' : ` and ${EXTRA_LAYOUT_FILE}`}: ` +
      `${layout.rwPaths.length} RW paths, ${layout.persistentPaths.length} persistent paths (${layout.persistentBind ? 'bind' : 'overlay'}), ${layout.volumes.length} volumes, overlay ${layout.overlay.kind === 'tmpfs' ? `tmpfs:${layout.overlay.size}` : layout.overlay.device}`,
  );
  if (unreadable !== undefined)
    throw new BootError(`Cannot read the layout files; the default layout applies`, {
      cause: unreadable,
      input: LAYOUT_FILE,
      hint: `Make ${LAYOUT_FILE} and ${EXTRA_LAYOUT_FILE} readable files (the rootfs stage writes them), or remove them.`,
    });
}
