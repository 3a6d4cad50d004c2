// The root: the image file on the images partition, attached to a loop device read-only and
// mounted at /sysroot.
import {BootError} from '../report/errors.ts';
import type {StepContext} from './context.ts';
import {mountDevice} from './mounting.ts';

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
  }
}

async function missingImage(ctx: StepContext, image: string): Promise<BootError> {
  const dir = image.slice(0, image.lastIndexOf('/'));
  const present = ((await ctx.sys.readdir(dir)) ?? []).filter((f) => /\.(img|squashfs)$/.test(f));
  const token = `cos-img/filename=${ctx.plan.config.imageFile}`;
  return new BootError(`Root image "${image}" does not exist (from "${token}")`, {
    input: token,
    hint: present.length
      ? `The images partition holds ${present.map((f) => `${dir}/${f}`.replace('/run/initramfs/cos-state', '')).join(', ')}: boot one of those (e.g. the passive entry), or reinstall/upgrade to write the missing image.`
      : `The images partition has no images in ${dir.replace('/run/initramfs/cos-state', '') || '/'}: boot the recovery entry and reinstall or reset.`,
  });
}

export async function mountRoot(ctx: StepContext): Promise<void> {
  const [spec] = ctx.boot.step('mount-root').mounts;
  const device = ctx.boot.loopDevice;
  if (!spec || !device)
    throw new BootError('no root image is attached', {hint: 'attach-image must run first; see its error.'});
  await mountDevice(ctx, spec, {timeoutSec: 0, device});
}
