// Persistent state: each persistent path gets its own state dir on the persistent volume, seeded
// from the image on first use and bound over the path (or used as an overlay's upper layer with
// PERSISTENT_STATE_BIND=false). Parents before children: the mount plan lists them in mount order.
import {BootError} from '../boot/errors.ts';
import type {PersistentPath} from '../boot/mount-plan.ts';
import {persistentMountSpec} from '../boot/mount-specs.ts';
import type {StepContext} from './context.ts';
import {forEachItem, mountPlain} from './mounting.ts';

export async function bindPersistentPaths(ctx: StepContext): Promise<void> {
  await forEachItem(
    ctx,
    ctx.boot.mountPlan.persistent,
    (p) => p.path,
    async (item) => {
      await ensureMountpoint(ctx, item);
      if (item.mode === 'bind') await seedStateDir(ctx, item.stateDir, item.target);
      else await ctx.sys.mkdirp(item.upper, item.work);
      await mountPlain(ctx, persistentMountSpec(item));
    },
  );
}

// First use: copy what the image has at the path, so /etc/ssh keeps its config once persistent.
// Later boots leave the state dir alone; copy-up never overwrites what is already there. The state
// dir is not made first: copy-up copies the directory itself (`cp -a -T`), so a bound /root keeps
// the image's 0700, its owner and its xattrs instead of a fresh 0755 root:root directory.
async function seedStateDir(ctx: StepContext, stateDir: string, target: string): Promise<void> {
  if (await ctx.sys.exists(stateDir)) return;
  await ctx.sys.copyUp(target, stateDir);
  ctx.log.info(`first use of ${stateDir}: copied ${target} whole`);
}

// The mountpoint may be missing in the image (/var/lib/kubelet): create it in the writable
// layer that holds it. On the read-only root itself that fails, and the path is skipped.
async function ensureMountpoint(ctx: StepContext, item: PersistentPath): Promise<void> {
  if (await ctx.sys.exists(item.target)) return;
  try {
    await ctx.sys.mkdirp(item.target);
  } catch (cause) {
    throw new BootError(
      `Cannot create the mountpoint ${item.path}: it is not in the image and no RW path or volume holds it`,
      {
        cause,
        input: item.path,
        hint: `Create ${item.path} in the image, or add a parent of it to RW_PATHS.`,
      },
    );
  }
}
