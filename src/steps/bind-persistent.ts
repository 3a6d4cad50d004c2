// Persistent state: each persistent path gets its own state dir on the persistent volume, seeded
// from the image (on first use, and with what a new image brings: seed-state.ts) and bound over the
// path, or used as an overlay's upper layer with PERSISTENT_STATE_BIND=false. Parents before
// children, by where each path leads inside /sysroot.
import path from 'node:path';
import {BootError} from '../boot/errors.ts';
import {stripSysroot} from '../boot/fstab.ts';
import type {PersistentPath} from '../boot/mount-plan.ts';
import {persistentMountSpec} from '../boot/mount-specs.ts';
import {describeSeedCounts} from '../report/status-view.ts';
import type {StepContext} from './context.ts';
import {type Confine, forgetResolved, orderByResolvedTarget, resolveInSysroot} from './in-sysroot.ts';
import {forEachItem, mountPlain, warnItem} from './mounting.ts';
import {SEED_DIR, SeedRecords, seedStateDir} from './seed-state.ts';

export async function bindPersistentPaths(ctx: StepContext): Promise<void> {
  const plan = ctx.boot.mountPlan;
  // The volume that holds the state stayed locked (unlock-volumes says why): seeding into the
  // image's read-only directory would only fail each path with a "free space" hint that misleads.
  const holder = plan.volumes
    .filter((v) => plan.stateTarget === v.target || plan.stateTarget.startsWith(`${v.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (holder && ctx.boot.locked.has(holder.device)) {
    const paths = plan.persistent.map((p) => p.path);
    throw new BootError(
      `${holder.device} holds the persistent state and stayed locked, so no persistent path was bound: ${paths.join(', ')} are the image's for this boot, and changes to them are lost at reboot`,
      {
        input: holder.device,
        hint: `Open ${holder.device} first: the unlock-volumes failure says why it stayed locked and what to do; the next boot binds the paths again, their state untouched.`,
      },
    );
  }
  // The same when it never appeared or did not mount (a slow disk past rd.immucore.volumetimeout):
  // mount-volumes failed it by name; each path failing again with a "free space" hint misleads.
  const mounted = holder ? (ctx.boot.mappers.get(holder.device) ?? holder.device) : undefined;
  if (
    holder &&
    ctx.boot.failures.some((f) => f.step === 'mount-volumes' && f.item.startsWith(`${mounted}:`))
  ) {
    const paths = plan.persistent.map((p) => p.path);
    throw new BootError(
      `${holder.device} holds the persistent state and was not mounted, so no persistent path was bound: ${paths.join(', ')} are the image's for this boot, and changes to them are lost at reboot`,
      {
        input: holder.device,
        hint: `See the mount-volumes failure for ${holder.device}: a disk that comes late needs a longer rd.immucore.volumetimeout; the next boot binds the paths again, their state untouched.`,
      },
    );
  }
  const bindMode = plan.persistent.some((p) => p.mode === 'bind');
  const stateTarget = await resolveInSysroot(ctx, plan.stateTarget, {
    what: `The persistent state target ${plan.layout.persistentTarget}`,
  });
  const within: Confine = {
    path: stateTarget,
    name: `the persistent state target ${stripSysroot(stateTarget)}`,
    hint: (link) =>
      `A state dir must be a directory: move ${link} aside on the persistent volume (mv ${link} ${link}.moved) and reboot; immucore seeds a new one from the image.`,
  };
  // The seed records sit beside the state dirs, in a directory that must be exactly that one.
  const seeding = {
    seedDir: bindMode
      ? await resolveInSysroot(ctx, path.posix.join(stateTarget, SEED_DIR), {
          what: 'The seed records dir',
          within: {
            path: path.posix.join(stateTarget, SEED_DIR),
            name: 'the directory immucore keeps them in',
            hint: (link) =>
              `Move ${link} aside on the persistent volume (mv ${link} ${link}.moved) and reboot; immucore makes a new one.`,
          },
        }).catch((err: Error) => err)
      : '',
    image: bindMode ? await bootedImage(ctx) : undefined,
    records: new SeedRecords(),
  };
  try {
    await forEachItem(
      ctx,
      await orderByResolvedTarget(ctx, plan.persistent),
      (p) => p.path,
      async (planned) => {
        const item = await resolvePersistent(ctx, planned, within);
        if (!(await ensureMountpoint(ctx, item))) return;
        const bind = () => mountPlain(ctx, persistentMountSpec(item), {requested: planned.target});
        if (item.mode === 'bind') return seedAndBind(ctx, item, seeding, bind);
        await ctx.sys.mkdirp(item.upper, item.work);
        await bind();
      },
    );
  } finally {
    // Every path's seed records at once, with one flush (seed-state.ts says why that is safe), also
    // when some paths failed: what the others seeded is recorded.
    await commitRecords(ctx, seeding.records);
  }
  const unchanged = ctx.boot.seeds.filter((s) => s.kind === 'unchanged').length;
  if (unchanged)
    ctx.log.info(
      `${unchanged} state dirs already seeded from this image (${seeding.image}): nothing to copy`,
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

// Seed the state dir (seed-state.ts), record what it did, then bind it. A seed that fails half-way
// leaves the state dir as it was, whole files only: bind it anyway (the user's state matters more
// than the image's additions) and fail the item, so the boot is marked degraded and names it; the
// next boot tries again. A first seed that fails has no state dir to bind: the path stays the
// image's. A records dir that leads out of the state target fails every item the same way.
async function seedAndBind(
  ctx: StepContext,
  item: PersistentPath,
  seeding: {seedDir: string | Error; image: string | undefined; records: SeedRecords},
  bind: () => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const shown = stripSysroot(item.stateDir);
  try {
    if (seeding.seedDir instanceof Error) throw seeding.seedDir;
    const name = path.posix.basename(item.stateDir);
    const job = {
      path: item.path,
      name,
      source: item.target,
      stateDir: item.stateDir,
      seedDir: seeding.seedDir,
    };
    // Said before the copy: a big path takes seconds, and a power loss during them is seen next
    // boot (cutShort below).
    const onCopy = (c: {entries: number; bytes: number}) =>
      ctx.log.info(
        `${item.path}: copying ${c.entries} entries (${(c.bytes / 2 ** 20).toFixed(1)} MiB) from the image into ${shown}`,
      );
    const r = await seedStateDir(ctx.sys, {...job, image: seeding.image, onCopy}, seeding.records).finally(
      () => forgetResolved(ctx, item.stateDir),
    );
    ctx.boot.seeds.push({
      path: item.path,
      stateDir: item.stateDir,
      kind: r.kind,
      ...(seeding.image ? {image: seeding.image} : {}),
      ...(r.previous ? {previous: r.previous} : {}),
      ...(r.cutShort ? {cutShort: true} : {}),
      ...r.counts,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
    if (r.cutShort)
      ctx.log.info(
        `${item.path}: the last seed of ${shown} was cut short (a power loss or a kill): what it had copied was removed, and this seed started over`,
      );
    if (r.manifestProblem)
      ctx.log.warn(
        `${item.path}: the seed manifest of ${shown} is unreadable (${r.manifestProblem}): compared as unrecorded, ignoring.`,
      );
    if (r.kind === 'first')
      ctx.log.info(`${item.path}: first use: seeded ${shown} from the image (${r.counts.added} entries)`);
    if (r.kind === 'update')
      ctx.log.info(
        `${item.path}: ${r.previous ? `the image changed since the last seed (was ${r.previous})` : 'no seed recorded'}: ${describeSeedCounts(r.counts)}`,
      );
  } catch (cause) {
    const there = await ctx.sys.exists(item.stateDir);
    if (there) await bind();
    // A records dir that leads elsewhere says so itself, with its own fix.
    if (cause === seeding.seedDir) throw cause;
    const fix = `${fixFor(cause, path.posix.dirname(shown))}; the seed ${there ? 'resumes' : 'runs again'} on the next boot.`;
    if (!there) {
      throw new BootError(
        `Cannot seed the state dir ${shown} of ${item.path} from the image: ${reasonOf(cause)}`,
        {
          cause,
          input: item.path,
          hint: fix,
        },
      );
    }
    throw new BootError(
      `Bound ${shown} over ${item.path} as it was: bringing in the image's changes failed: ${reasonOf(cause)}`,
      {cause, input: item.path, hint: fix},
    );
  }
  await bind();
}

// A failure here fails the step (the boot is degraded) and names the paths: their state dirs are
// bound and whole, and the next boot compares them with the image again and records them.
async function commitRecords(ctx: StepContext, records: SeedRecords): Promise<void> {
  const paths = records.paths;
  try {
    await records.commit(ctx.sys);
  } catch (cause) {
    const message = `Cannot record the seeds of ${paths.join(', ')}: ${reasonOf(cause)}`;
    const hint = `${fixFor(cause, stripSysroot(ctx.boot.mountPlan.stateTarget))}; the next boot finds what was seeded in place and records it.`;
    ctx.boot.failures.push({step: ctx.step, item: paths.join(' '), message, hint});
    ctx.log.error(`${message} (try: ${hint})`);
    throw new BootError(message, {cause, hint});
  }
}

/** ENOSPC or EDQUOT when `cause` is a full volume (src/sys/copy-up.ts gives cp's words that code). */
function fullCode(cause: unknown): string | undefined {
  const code = (cause as {code?: unknown} | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? code : undefined;
}

/** A full volume is said first, with its errno: the cause's own words (a cp argv) come after. */
function reasonOf(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const full = fullCode(cause);
  return full ? `the persistent volume is full (${full}): ${message}` : message;
}

/** The fix: free space on a full volume, else what the cause's own hint says. */
function fixFor(cause: unknown, stateTarget: string): string {
  return fullCode(cause)
    ? `Free space on the persistent volume (df -h ${stateTarget}; du -sh ${stateTarget}/*)`
    : `Free space on the persistent volume (df -h ${stateTarget}) or fix the error above`;
}

/** The booted image's identity, told once per boot; undefined when it cannot be told. */
async function bootedImage(ctx: StepContext): Promise<string | undefined> {
  const device = ctx.boot.loopDevice;
  const id = device ? await ctx.sys.fsIdentity(device).catch(() => undefined) : undefined;
  if (id === undefined)
    ctx.log.warn(
      `cannot tell which image is booted${device ? ` (no filesystem recognised on ${device})` : ''}: persistent paths are compared with it on every boot, ignoring.`,
    );
  return id;
}

// The mountpoint may be missing in the image (/var/lib/kubelet): create it in the writable
// layer that holds it. On the read-only root itself that fails, and the path is skipped.
async function ensureMountpoint(ctx: StepContext, item: PersistentPath): Promise<boolean> {
  if (await ctx.sys.exists(item.target)) return true;
  try {
    await ctx.sys.mkdirp(item.target);
    return true;
  } catch (cause) {
    const message = `Cannot create the mountpoint ${item.path}: it is not in the image and no RW path or volume holds it`;
    const hint = `Create ${item.path} in the image, or add a parent of it to RW_PATHS.`;
    // The read-only image (EROFS) or one of its files in the way (ENOTDIR) cannot hold the path:
    // the layout names a path this image lacks, as with an RW path missing from it (mount-rw-paths),
    // a warning with the fix. Anything else (EIO, ENOSPC) is a fault of the machine: the item fails.
    const code = (cause as {code?: unknown}).code;
    if (code === 'EROFS' || code === 'ENOTDIR') {
      warnItem(ctx, item.path, `${message} (${(cause as Error).message})`, hint);
      return false;
    }
    throw new BootError(message, {cause, input: item.path, hint});
  }
}
