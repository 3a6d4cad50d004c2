// Persistent state: each persistent path gets its own state dir on the persistent volume, seeded
// from the image on first use and bound over the path (or used as an overlay's upper layer with
// PERSISTENT_STATE_BIND=false). Parents before children: the plan lists them in mount order.
import type {MountSpec} from '../boot/mount-spec.ts';
import {BootError} from '../report/errors.ts';
import type {StepContext} from './context.ts';
import {forEachItem, mountPlain} from './mounting.ts';

export async function bindPersistentPaths(ctx: StepContext): Promise<void> {
  const specs = ctx.boot.step('mount-persistent').mounts;
  await forEachItem(
    ctx,
    specs,
    (s) => s.target.slice('/sysroot'.length),
    async (spec) => {
      await ensureMountpoint(ctx, spec.target);
      if (spec.fstype === 'none') await seedStateDir(ctx, spec.source, spec.target);
      else await ctx.sys.mkdirp(optionValue(spec, 'upperdir'), optionValue(spec, 'workdir'));
      await mountPlain(ctx, spec);
    },
  );
}

// First use: copy what the image has at the path, so /etc/ssh keeps its config once persistent.
// Later boots leave the state dir alone; copy-up never overwrites what is already there.
async function seedStateDir(ctx: StepContext, stateDir: string, target: string): Promise<void> {
  if (await ctx.sys.exists(stateDir)) return;
  await ctx.sys.mkdirp(stateDir);
  const {copied} = await ctx.sys.copyUp(target, stateDir);
  ctx.log.info(`first use of ${stateDir}: copied ${copied} entries from ${target}`);
}

// The mountpoint may be missing in the image (/var/lib/kubelet): create it in the writable
// layer that holds it. On the read-only root itself that fails, and the path is skipped.
async function ensureMountpoint(ctx: StepContext, target: string): Promise<void> {
  if (await ctx.sys.exists(target)) return;
  try {
    await ctx.sys.mkdirp(target);
  } catch (cause) {
    const path = target.slice('/sysroot'.length);
    throw new BootError(
      `Cannot create the mountpoint ${path}: it is not in the image and no RW path or volume holds it`,
      {
        cause,
        input: path,
        hint: `Create ${path} in the image, or add a parent of it to RW_PATHS.`,
      },
    );
  }
}

function optionValue(spec: MountSpec, key: string): string {
  const opt = spec.options.find((o) => o.startsWith(`${key}=`));
  if (!opt) throw new BootError(`overlay mount on ${spec.target} has no ${key}`);
  return opt.slice(key.length + 1);
}
