// The OEM partition: machine config and cloud-configs. Optional (SPEC §9): a machine without one
// boots, degraded, after a short wait (rd.immucore.oemtimeout).
import {BootError} from '../boot/errors.ts';
import {deviceMountSpec} from '../boot/mount-specs.ts';
import type {StepContext} from './context.ts';
import {mountDevice} from './mounting.ts';

export async function mountOem(ctx: StepContext): Promise<void> {
  const {oem} = ctx.plan.mounts;
  if (!oem) return;
  const spec = deviceMountSpec(oem);
  const {config} = ctx.plan;
  try {
    await mountDevice(ctx, spec, {timeoutSec: config.oemTimeoutSec, fsck: config.fsck});
  } catch (cause) {
    const label = spec.source.replace(/^LABEL=/, '');
    throw new BootError(`No OEM partition: ${spec.source} was not mounted at ${spec.target}`, {
      cause,
      input: spec.source,
      hint: config.oemLabel
        ? `Check the label given by rd.immucore.oemlabel=${config.oemLabel} (blkid), or raise rd.immucore.oemtimeout (now ${config.oemTimeoutSec} s).`
        : `Create an ext4 partition labelled ${label} for machine config, or ignore this on machines that have none.`,
    });
  }
}
