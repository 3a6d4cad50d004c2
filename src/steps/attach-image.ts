// The root: the image file on the images partition, attached to a loop device read-only and
// mounted at /sysroot.
import path from 'node:path';
import {renderUdevName} from '../boot/boot-mode.ts';
import {BootError} from '../boot/errors.ts';
import {deviceMountSpec} from '../boot/mount-specs.ts';
import {STATE_DIR} from '../boot/plan.ts';
import {e2fsckArgs, udevadmTriggerChangeArgs} from '../sys/argv.ts';
import {SysError} from '../sys/sys.ts';
import type {StepContext} from './context.ts';
import {requireFilesystem} from './kernel-filesystems.ts';
import {mountDevice, warnItem} from './mounting.ts';

export async function attachImage(ctx: StepContext): Promise<void> {
  const {plan} = ctx;
  const image = plan.image;
  if (!image) {
    throw new BootError('The command line names no root image file', {
      hint: 'Add cos-img/filename=/cOS/active.img (or passive.img, recovery.img) to the kernel command line.',
    });
  }
  if (!(await ctx.sys.exists(image))) throw await missingImage(ctx, image);
  const readOnly = !plan.config.debugRw;
  const device = await ctx.sys.attachLoop(image, {readOnly});
  ctx.boot.loopDevice = device;
  ctx.log.info(`${image} on ${device}${readOnly ? ' (read-only)' : ' (read-write, rd.immucore.debugrw)'}`);
  // A read-only image is never written, so never left dirty: only fsck.mode=force checks it, and
  // then without repairs (there is nothing writable to repair).
  if (plan.config.fsck.mode === 'force') {
    const checked = await ctx.sys.fsck(device, {
      mode: 'force',
      repair: readOnly ? 'no' : plan.config.fsck.repair,
    });
    ctx.log.info(`fsck of ${image}: ${checked.outcome}`);
  }
  const info = await ctx.sys.probe(device);
  const rootLabel = plan.state.rootLabel;
  if (!info || (rootLabel && info.label !== rootLabel)) {
    const err = info
      ? wrongLabel(ctx, image, info.label, rootLabel ?? '')
      : await unreadable(ctx, image, device);
    // Nothing is mounted from it: leave no attachment behind for a retry to trip over.
    await ctx.sys.detachLoop(device).catch(() => undefined);
    ctx.boot.loopDevice = undefined;
    throw err;
  }
  if (rootLabel) await announceRoot(ctx, device, rootLabel);
}

/**
 * The image's superblock names another root than root=: an upgrade stopped between copying the
 * image and relabelling it (the superblock is copied first, so a half-written copy looks the same).
 * Booting it could boot half an image, and the initrd would wait out its device timeout for a
 * label that never comes; so fail at once, naming both labels.
 */
function wrongLabel(ctx: StepContext, image: string, found: string | undefined, wanted: string): BootError {
  const file = ctx.plan.config.imageFile ?? image;
  const token = `root=LABEL=${wanted}`;
  const has = found ? `is labelled "${found}"` : 'has no label';
  return new BootError(`Root image "${image}" ${has}, but the command line boots ${token}`, {
    input: token,
    hint: `An upgrade was probably interrupted before it relabelled the image. Boot another entry (active or recovery) and run the upgrade again, which rewrites ${file}; only if you know the image is complete, relabel it from there: e2fsck -f <file> && tune2fs -L ${wanted} <file>.`,
  });
}

/** No filesystem is found in the image (a damaged superblock): say what a read-only e2fsck says. */
async function unreadable(ctx: StepContext, image: string, device: string): Promise<BootError> {
  return new BootError(
    `Root image "${image}" holds no filesystem that blkid recognises (damaged superblock?); e2fsck -n says: ${await fsckSays(ctx, device)}`,
    {input: `cos-img/filename=${ctx.plan.config.imageFile ?? image}`, hint: DAMAGED_HINT},
  );
}

const DAMAGED_HINT =
  'Boot another entry (passive or recovery) and upgrade or reset to rewrite the image; nothing was written to it or to the images partition.';

/**
 * What a read-only, forced e2fsck finds on `device`. Its findings go to stdout and its exit code
 * is 4 or 8 on a damaged filesystem, so it runs as a plain tool.
 */
/** What a read-only e2fsck finds on `device`: the lines that say what is wrong. */
export async function fsckSays(ctx: StepContext, device: string): Promise<string> {
  const argv = e2fsckArgs(device, {mode: 'force', repair: 'no'}) ?? [];
  try {
    const r = await ctx.sys.run(argv, {
      okExitCodes: [1, 2, 4, 8, 12, 16],
      timeoutMs: 60_000,
      signal: ctx.signal,
    });
    return fsckFindings(`${r.stdout}\n${r.stderr}`) || `nothing (exit ${r.exitCode})`;
  } catch (err) {
    if (err instanceof SysError && err.code === 'ABORT_ERR') throw err;
    return (err as Error).message;
  }
}

/** The lines of e2fsck's output that say what is wrong (not its banner or its pass headings). */
function fsckFindings(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^e2fsck \d|^Pass \d/.test(l));
  const telling = lines.filter((l) =>
    /super-?block|magic|corrupt|short read|invalid|bad|error|inode|journal|directory/i.test(l),
  );
  return (telling.length ? telling : lines).slice(0, 2).join('; ');
}

// The generator's sysroot.mount, dracut's root "devexists" hook and initrd-root-device.target wait
// for /dev/disk/by-label/<root label>, which udev makes only once it has seen the attached loop
// device; losetup does not make the kernel tell udev on every kernel. So ask udev to look at it (a
// change event, as the Go immucore does) and wait, on udev's events, for the link. Without it
// immucore's own mounts are fine but the initrd waits out its device timeout: a warning, not a
// failure.
async function announceRoot(ctx: StepContext, device: string, label: string): Promise<void> {
  const link = `/dev/disk/by-label/${renderUdevName(label)}`;
  const {devTimeoutSec} = ctx.plan.config;
  try {
    // Without udevd nobody makes the link: no trigger process (waitForLink says `no-udev`).
    if (await ctx.sys.udevRunning())
      await ctx.sys.run(udevadmTriggerChangeArgs(device), {signal: ctx.signal});
    const linked = await ctx.sys.waitForLink(link, device, {
      timeoutMs: devTimeoutSec * 1000,
      signal: ctx.signal,
    });
    if (linked === 'no-udev') ctx.log.debug(`udevd is not running: not waiting for ${link}`);
    else ctx.log.info(`${link} -> ${device}`);
  } catch (err) {
    if (err instanceof SysError && err.code === 'ABORT_ERR') throw err;
    warnItem(
      ctx,
      link,
      `udev did not link it to ${device} (${(err as Error).message}): units waiting for it will time out`,
      `Check that udevd runs in the initramfs (systemd-udevd.service), or raise rd.immucore.devtimeout (now ${devTimeoutSec} s).`,
    );
  }
}

async function missingImage(ctx: StepContext, image: string): Promise<BootError> {
  const file = ctx.plan.config.imageFile ?? image;
  // The image's directory as the images partition has it (`/cOS`), and as mounted here.
  const dir = path.posix.dirname(file);
  const present = ((await ctx.sys.readdir(`${STATE_DIR}${dir}`)) ?? []).filter((f) =>
    /\.(img|squashfs)$/.test(f),
  );
  const token = `cos-img/filename=${file}`;
  return new BootError(`Root image "${image}" does not exist (from "${token}")`, {
    input: token,
    hint: present.length
      ? `The images partition holds ${present.map((f) => path.posix.join(dir, f)).join(', ')}: boot one of those (e.g. the passive entry), or reinstall/upgrade to write the missing image.`
      : `The images partition has no images in ${dir}: boot the recovery entry and reinstall or reset.`,
  });
}

export async function mountRoot(ctx: StepContext): Promise<void> {
  const {root} = ctx.plan.mounts;
  const device = ctx.boot.loopDevice;
  if (!root || !device)
    throw new BootError('no root image is attached', {hint: 'attach-image must run first; see its error.'});
  // Before anything is mounted: without overlay no disk boot can make its RW paths.
  await requireFilesystem(ctx.sys, 'overlay', 'every RW path of the layout needs');
  try {
    await mountDevice(ctx, deviceMountSpec(root), {timeoutSec: 0, device});
  } catch (err) {
    if (err instanceof SysError && err.code === 'ABORT_ERR') throw err;
    // The kernel's EINVAL says little: name the image, and what a read-only e2fsck finds in it (a
    // zeroed inode table leaves the superblock, and so the label, intact).
    const image = ctx.plan.image ?? device;
    const file = ctx.plan.config.imageFile ?? image;
    throw new BootError(
      `Root image "${image}" (${device}) cannot be mounted: ${(err as Error).message}; e2fsck -n says: ${await fsckSays(ctx, device)}`,
      {input: `cos-img/filename=${file}`, hint: DAMAGED_HINT},
    );
  }
}
