// The root: the image file on the images partition, attached to a loop device read-only and
// mounted at /sysroot.
import path from 'node:path';
import {renderUdevName} from '../boot/boot-mode.ts';
import {BootError} from '../boot/errors.ts';
import {deviceMountSpec} from '../boot/mount-specs.ts';
import {STATE_DIR} from '../boot/plan.ts';
import {udevadmTriggerChangeArgs} from '../sys/argv.ts';
import {SysError} from '../sys/sys.ts';
import type {StepContext} from './context.ts';
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
  if (plan.state.rootLabel && info?.label !== plan.state.rootLabel) {
    ctx.log.warn(
      `${image} is labelled ${info?.label ? `"${info.label}"` : 'nothing'}, not ${plan.state.rootLabel}: booting it anyway, ignoring.`,
    );
  } else if (plan.state.rootLabel) {
    await announceRoot(ctx, device, plan.state.rootLabel);
  }
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
  await mountDevice(ctx, deviceMountSpec(root), {timeoutSec: 0, device});
}
