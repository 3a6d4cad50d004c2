// Persistent state: each persistent path gets its own state dir on the persistent volume, seeded
// from the image on first use and bound over the path (or used as an overlay's upper layer with
// PERSISTENT_STATE_BIND=false). Parents before children: the mount plan lists them in mount order.
import path from 'node:path';
import {BootError} from '../boot/errors.ts';
import {stripSysroot} from '../boot/fstab.ts';
import type {PersistentPath} from '../boot/mount-plan.ts';
import {persistentMountSpec} from '../boot/mount-specs.ts';
import type {StepContext} from './context.ts';
import {type Confine, orderByResolvedTarget, resolveInSysroot} from './in-sysroot.ts';
import {forEachItem, mountPlain} from './mounting.ts';

export async function bindPersistentPaths(ctx: StepContext): Promise<void> {
  const plan = ctx.boot.mountPlan;
  const stateTarget = await resolveInSysroot(ctx, plan.stateTarget, {
    what: `The persistent state target ${plan.layout.persistentTarget}`,
  });
  const within: Confine = {
    path: stateTarget,
    name: `the persistent state target ${stripSysroot(stateTarget)}`,
    hint: (link) =>
      `A state dir must be a directory: move ${link} aside on the persistent volume (mv ${link} ${link}.moved) and reboot; immucore seeds a new one from the image.`,
  };
  await forEachItem(
    ctx,
    await orderByResolvedTarget(ctx, plan.persistent),
    (p) => p.path,
    async (planned) => {
      const item = await resolvePersistent(ctx, planned, within);
      await ensureMountpoint(ctx, item);
      if (item.mode === 'bind') await seedStateDir(ctx, item.stateDir, item.target);
      else await ctx.sys.mkdirp(item.upper, item.work);
      await mountPlain(ctx, persistentMountSpec(item), {requested: planned.target});
    },
  );
}

// The item with its target resolved inside /sysroot and its state dir (and overlay layers) inside
// the state target: a state dir that is a symlink out of it is refused, never bound or seeded.
async function resolvePersistent(
  ctx: StepContext,
  p: PersistentPath,
  within: Confine,
): Promise<PersistentPath> {
  const target = await resolveInSysroot(ctx, p.target, {what: `Persistent path ${p.path}`});
  const inState = (dir: string, what: string) =>
    resolveInSysroot(ctx, dir, {what: `${what} of persistent path ${p.path}`, within});
  const stateDir = await inState(
    path.posix.join(within.path, path.posix.basename(p.stateDir)),
    'The state dir',
  );
  if (p.mode === 'bind') return {...p, target, stateDir};
  const upper = await inState(path.posix.join(stateDir, 'upper'), 'The upper dir');
  const work = await inState(path.posix.join(stateDir, 'work'), 'The work dir');
  return {...p, target, lower: target, stateDir, upper, work};
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
