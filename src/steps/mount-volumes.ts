// Extra volumes (VOLUMES, rd.immucore.mount), read-write with the type read from the device. All
// devices are waited for at once, so two missing volumes cost one timeout, not two.
import {volumeMountSpec} from '../boot/mount-specs.ts';
import {SysError} from '../sys/sys.ts';
import type {StepContext} from './context.ts';
import {forEachItem, mountDevice} from './mounting.ts';

export async function mountVolumes(ctx: StepContext): Promise<void> {
  const {config} = ctx.plan;
  // A volume whose container stayed locked failed in unlock-volumes, by name: waiting for its label
  // here would only add a timeout. An unlocked one mounts from its mapper, and fstab says so.
  const volumes = ctx.boot.mountPlan.volumes
    .filter((v) => !ctx.boot.locked.has(v.device))
    .map((v) => {
      const mapper = ctx.boot.mappers.get(v.device);
      return mapper ? {...v, device: mapper} : v;
    });
  const timeoutMs = config.volumeTimeoutSec * 1000;
  const devices = new Map(
    volumes.map((v) => {
      // unlock-volumes has waited the volumetimeout for it already: one more look, then it fails
      // with the time really waited.
      const absent = ctx.boot.absent.has(v.device);
      const wait = ctx.sys
        .waitForDevice(v.device, {timeoutMs: absent ? 0 : timeoutMs, signal: ctx.signal})
        .catch((err: unknown) => {
          if (!absent || !(err instanceof SysError) || err.code !== 'ETIMEDOUT') throw err;
          throw new SysError(`Device ${v.device} did not appear within ${timeoutMs} ms`, {
            code: 'ETIMEDOUT',
            hint: err.hint,
          });
        });
      // A mapper mounts by its /dev/mapper name, not its dm-N node: findmnt, fstab and the
      // report then all name the same thing.
      return [v.target, v.device.startsWith('/dev/mapper/') ? wait.then(() => v.device) : wait];
    }),
  );
  // Settle every wait even when an earlier mount fails, or a rejection goes unhandled.
  for (const wait of devices.values()) wait.catch(() => undefined);
  await forEachItem(
    ctx,
    volumes,
    (v) => `${v.device}:${v.path}`,
    async (volume) => {
      const device = await devices.get(volume.target);
      await mountDevice(ctx, volumeMountSpec(volume), {
        timeoutSec: config.volumeTimeoutSec,
        fsck: config.fsck,
        device,
      });
    },
  );
}
