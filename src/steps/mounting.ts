// The shared mechanics of the mounting steps: wait for a device by event, read its type, check it,
// mount it, and record the mount for the report and fstab; and per-item failure handling for the
// steps that mount many things (one bad volume must not cost the others). Every path of a mount
// under /sysroot is resolved inside it here (in-sysroot.ts), and the mount is recorded, for the
// report and fstab, where it actually landed.

import {BootError, hintOf} from '../boot/errors.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import type {FsckOptions} from '../sys/sys.ts';
import type {StepContext} from './context.ts';
import {forgetResolved, resolveMountSpec} from './in-sysroot.ts';

export interface MountOptions {
  /** How long to wait for the device to appear. */
  timeoutSec: number;
  /** Check the filesystem first (per fsck.mode / fsck.repair). */
  fsck?: FsckOptions;
  /** Mount this device instead of looking the source up (the loop device of the root image). */
  device?: string;
  /** The target as planned, when the caller has resolved the spec's paths already. */
  requested?: string;
}

/** Mount one planned device mount and record it; the recorded spec keeps the stable LABEL= source. */
export async function mountDevice(ctx: StepContext, planned: MountSpec, opts: MountOptions): Promise<void> {
  const spec = await resolveMountSpec(ctx, planned);
  const device =
    opts.device ??
    (await ctx.sys.waitForDevice(spec.source, {timeoutMs: opts.timeoutSec * 1000, signal: ctx.signal}));
  warnDeviceChoices(ctx, spec.source);
  const info = await ctx.sys.probe(device);
  const fstype = spec.fstype === 'auto' ? (info?.fstype ?? 'auto') : spec.fstype;
  if (opts.fsck && /^ext[234]$/.test(fstype)) {
    const checked = await ctx.sys.fsck(device, opts.fsck);
    const line = `fsck of ${device} (${spec.source}): ${checked.outcome}: ${checked.output.trim()}`;
    if (checked.outcome === 'clean' || checked.outcome === 'skipped') ctx.log.debug(line);
    else ctx.log.warn(line);
  }
  await ctx.sys.mkdirp(spec.target);
  const result = await mountAndForget(ctx, {...spec, source: device, fstype});
  ctx.boot.mounts.push({
    ...spec,
    fstype,
    step: ctx.step,
    device,
    result,
    ...requested(opts.requested ?? planned.target, spec),
  });
  ctx.log.info(
    `${spec.source} (${device}, ${fstype}) ${result === 'already' ? 'already on' : 'on'} ${spec.target}`,
  );
}

/**
 * Mount a spec with no device behind it (tmpfs, overlay, bind) and record it. `requested`: the
 * target as planned, when the caller has resolved the spec's paths already.
 */
export async function mountPlain(
  ctx: StepContext,
  planned: MountSpec,
  opts: {requested?: string} = {},
): Promise<void> {
  const spec = await resolveMountSpec(ctx, planned);
  const result = await mountAndForget(ctx, spec);
  ctx.boot.mounts.push({
    ...spec,
    step: ctx.step,
    result,
    ...requested(opts.requested ?? planned.target, spec),
  });
  ctx.log.info(
    `${spec.fstype === 'none' ? `bind ${spec.source}` : spec.fstype} ${result === 'already' ? 'already on' : 'on'} ${spec.target}`,
  );
}

/** Mount, then forget what paths at and below the target resolved to: the mount changed it. */
async function mountAndForget(ctx: StepContext, spec: MountSpec): Promise<'mounted' | 'already'> {
  try {
    return await ctx.sys.mount(spec);
  } finally {
    forgetResolved(ctx, spec.target);
  }
}

/** The planned target, when a symlink led the mount elsewhere. */
function requested(planned: string, spec: MountSpec): {requested?: string} {
  return planned === spec.target ? {} : {requested: planned};
}

/**
 * Run `fn` for each item in order; a failing item is logged and recorded, the others go on.
 * When any failed, the step fails at the end (it is a `degrade` step) naming them all.
 */
export async function forEachItem<T>(
  ctx: StepContext,
  items: T[],
  name: (item: T) => string,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const failed: string[] = [];
  for (const item of items) {
    if (ctx.signal.aborted)
      throw new BootError(`cancelled before ${name(item)}`, {hint: 'immucore was asked to stop (SIGTERM).'});
    try {
      await fn(item);
    } catch (err) {
      failed.push(name(item));
      const message = err instanceof Error ? err.message : String(err);
      ctx.boot.failures.push({
        step: ctx.step,
        item: name(item),
        message,
        ...(hintOf(err) ? {hint: hintOf(err)} : {}),
      });
      ctx.log.error(`${name(item)}: ${message}${hintOf(err) ? ` (try: ${hintOf(err)})` : ''}`);
    }
  }
  if (failed.length) {
    throw new BootError(`${failed.length} of ${items.length} failed: ${failed.join(', ')}`, {
      hint: 'See the errors above in the log and in report.json under "failures".',
    });
  }
}

/**
 * Two devices carried `source` and the one on the disk of the other COS_* partitions was used:
 * say so, naming both, so a stranger (a USB stick with an old install) is never used in silence.
 */
function warnDeviceChoices(ctx: StepContext, source: string): void {
  for (const choice of ctx.sys.takeDeviceChoices(source)) {
    ctx.boot.warnings.push({step: ctx.step, item: source, message: choice.message, hint: choice.hint});
    ctx.log.warn(`${choice.message}. Try: ${choice.hint}`);
  }
}

/** Record a warning about one item (a skipped path): the boot goes on and stays ok. */
export function warnItem(ctx: StepContext, item: string, message: string, hint: string): void {
  ctx.boot.warnings.push({step: ctx.step, item, message, hint});
  ctx.log.warn(`${item}: ${message}, ignoring. Try: ${hint}`);
}
