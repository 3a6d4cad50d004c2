// Extra volumes (VOLUMES, rd.immucore.mount), read-write with the type read from the device. All
// devices are waited for at once, so two missing volumes cost one timeout, not two.
import {compareMountOrder} from '../boot/names.ts';
import type {StepContext} from './context.ts';
import {forEachItem, mountDevice} from './mounting.ts';

export async function mountVolumes(ctx: StepContext): Promise<void> {
  const {config} = ctx.plan;
  const specs = [...ctx.boot.step('mount-volumes').mounts].sort((a, b) =>
    compareMountOrder(a.target, b.target),
  );
  const timeoutMs = config.volumeTimeoutSec * 1000;
  const devices = new Map(
    specs.map((s) => [s.target, ctx.sys.waitForDevice(s.source, {timeoutMs, signal: ctx.signal})]),
  );
  // Settle every wait even when an earlier mount fails, or a rejection goes unhandled.
  for (const wait of devices.values()) wait.catch(() => undefined);
  await forEachItem(
    ctx,
    specs,
    (s) => `${s.source}:${s.target.slice('/sysroot'.length)}`,
    async (spec) => {
      const device = await devices.get(spec.target);
      await mountDevice(ctx, spec, {timeoutSec: config.volumeTimeoutSec, fsck: config.fsck, device});
    },
  );
}
