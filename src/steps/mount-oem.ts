// The OEM partition: machine config and cloud-configs. Optional (SPEC §4, §9): when none appears
// within rd.immucore.oemtimeout the boot goes on, ok, with a warning that says how to add one. An
// OEM partition that is there but cannot be checked or mounted is a failure: the boot is degraded.
import {BootError} from '../boot/errors.ts';
import {deviceMountSpec} from '../boot/mount-specs.ts';
import {SysError} from '../sys/sys.ts';
import {fsckSays} from './attach-image.ts';
import type {StepContext} from './context.ts';
import {mountDevice, warnItem} from './mounting.ts';

export async function mountOem(ctx: StepContext): Promise<void> {
  const {oem} = ctx.plan.mounts;
  if (!oem) return;
  const {config} = ctx.plan;
  // An encrypted OEM mounts from the mapper unlock-oem opened, never by label (kairos#4033).
  const mapper = ctx.boot.mappers.get(oem.source);
  const spec = deviceMountSpec(mapper ? {...oem, source: mapper} : oem);
  if (ctx.boot.locked.has(oem.source)) {
    throw new BootError(`OEM partition ${oem.source} is encrypted and stayed locked, so it was not mounted`, {
      input: oem.source,
      hint: 'See unlock-oem in the log: with OEM encrypted, its kcrypt config must be on the kernel cmdline (kcrypt.challenger.challenger_server=…).',
    });
  }
  const label = spec.source.replace(/^LABEL=/, '');
  const hint = config.oemLabel
    ? `Check the label given by rd.immucore.oemlabel=${config.oemLabel} (blkid), or raise rd.immucore.oemtimeout (now ${config.oemTimeoutSec} s).`
    : `Create an ext4 partition labelled ${label} for machine config, or ignore this on machines that have none.`;
  if (ctx.boot.oemAbsent) {
    // unlock-oem has waited oemtimeout already, for the label and for a container.
    warnItem(ctx, spec.source, `no OEM partition appeared within ${config.oemTimeoutSec} s`, hint);
    return;
  }
  try {
    await mountDevice(ctx, spec, {
      timeoutSec: config.oemTimeoutSec,
      fsck: config.fsck,
      // cryptsetup has returned: the mapper is there, and mounts by its /dev/mapper name; a plain
      // OEM is the device unlock-oem has just found.
      ...(mapper ? {device: mapper} : ctx.boot.oemDevice ? {device: ctx.boot.oemDevice} : {}),
    });
  } catch (cause) {
    if (cause instanceof SysError && cause.code === 'ETIMEDOUT') {
      warnItem(ctx, spec.source, `no OEM partition appeared within ${config.oemTimeoutSec} s`, hint);
      return;
    }
    // The kernel's EINVAL says little (the reason is in dmesg only): add what e2fsck reads in it.
    const says = await oemFsckSays(ctx, mapper ?? spec.source);
    throw new BootError(`OEM partition ${spec.source} was not mounted at ${spec.target}${says}`, {
      cause,
      input: spec.source,
      hint: `Check the filesystem on ${label} (e2fsck from the emergency shell) and the log above.`,
    });
  }
}

/** `; e2fsck -n says: …` for an ext filesystem that is there, else nothing. */
async function oemFsckSays(ctx: StepContext, source: string): Promise<string> {
  const device = await ctx.sys.findDevice(source).catch(() => undefined);
  const info = device ? await ctx.sys.probe(device).catch(() => undefined) : undefined;
  if (!device || !info || !/^ext[234]$/.test(info.fstype)) return '';
  return `; e2fsck -n says: ${await fsckSays(ctx, device)}`;
}
