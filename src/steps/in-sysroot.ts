// Every path under /sysroot that immucore mounts on, binds from or creates is resolved inside
// /sysroot first, as the booted system will see it. Handed to mount(2) or mkdir as a string, an
// absolute symlink in the image (/var/run → /run, openSUSE's /etc/ssl/certs → /var/lib/...) is
// followed from the initramfs's own `/`, and the mount lands there; a symlinked state dir on the
// persistent volume is bound from wherever it points. One resolver, used by the mounting helpers
// for every mount and by the steps that touch a path before they mount it.
import {BootError} from '../boot/errors.ts';
import {stripSysroot} from '../boot/fstab.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import {compareMountOrder, isSameOrBelow} from '../boot/names.ts';
import {SYSROOT} from '../boot/plan.ts';
import {type LinkStep, type Resolution, RootView} from '../sys/root-view.ts';
import type {StepContext} from './context.ts';

/** A tree a path must stay in (a state dir in the persistent state target), and the fix if not. */
export interface Confine {
  /** A Sys path, already resolved. */
  path: string;
  /** `the persistent state target /usr/local/.state`. */
  name: string;
  hint: (link: string) => string;
}

export interface ResolveOptions {
  /** What the path is, for errors: `Persistent path /etc/ssh`. */
  what?: string;
  within?: Confine;
}

const PATH_OPTIONS = ['lowerdir', 'upperdir', 'workdir'];

// Each step's resolutions with no symlink on the way, by path. Such a path leads to itself until
// something lands on it or on one of its parents: a mount (the mounting helpers forget what lies
// at or below its target) or a seed writing the image's entries, links included, into a state dir
// (forgotten at and below it). Creating a directory changes no resolution. A path is resolved up
// to five times on the way to its bind (ordering, the item, the mount spec): this keeps those
// repeats from walking it again. Kept per step: the DAG runs no other step that changes /sysroot
// beside a mounting step (mount-overlay-base, beside mount-volumes, mounts only /run/overlay).
// Paths with links are not kept: they are few, and each resolution logs where they led.
// A kept path is checked against the changes made since it was last found good when it is asked
// for again, not at each change: a boot makes ~46 mounts and keeps ~80 paths, and going through
// them all at every mount cost more than the walks it saved (1.4 % of a steady boot's samples).
interface Kept {
  /** Sys paths changed (mounted on, seeded) in this step, in order. */
  changes: string[];
  /** Path as shown → where it leads, and how many changes it has been checked against. */
  paths: Map<string, {real: string; checked: number}>;
}
const resolved = new WeakMap<StepContext, Kept>();

function keptIn(ctx: StepContext): Kept {
  const kept = resolved.get(ctx) ?? {changes: [], paths: new Map()};
  resolved.set(ctx, kept);
  return kept;
}

/** Forget the resolutions of `changed` (a Sys path) and of everything below it: it was mounted on or written. */
export function forgetResolved(ctx: StepContext, changed: string): void {
  resolved.get(ctx)?.changes.push(changed);
}

/** RootView.resolveInside, or what this step found for the same path while nothing changed it. */
async function resolveKnown(ctx: StepContext, shown: string): Promise<Resolution> {
  const kept = keptIn(ctx);
  const hit = kept.paths.get(shown);
  if (hit) {
    const stale = kept.changes.slice(hit.checked).some((c) => isSameOrBelow(hit.real, c));
    if (!stale) {
      hit.checked = kept.changes.length;
      return {kind: 'inside', path: hit.real, links: []};
    }
    kept.paths.delete(shown);
  }
  const checked = kept.changes.length;
  const r = await new RootView(ctx.sys, SYSROOT).resolveInside(shown);
  // Checked against the changes up to the start of the walk: one made during it is checked later.
  if (r.kind === 'inside' && r.links.length === 0) kept.paths.set(shown, {real: r.path, checked});
  return r;
}

/**
 * The Sys path `p` leads to inside /sysroot; paths outside /sysroot are returned as they are.
 * Refuses a path whose symlinks climb above the root, lead to the root itself, or (`within`) leave
 * the tree it must stay in, naming the link, where it leads, and the fix.
 */
export async function resolveInSysroot(
  ctx: StepContext,
  p: string,
  opts: ResolveOptions = {},
): Promise<string> {
  if (!p.startsWith(`${SYSROOT}/`)) return p;
  const shown = stripSysroot(p);
  const what = opts.what ?? shown;
  const r = await resolveKnown(ctx, shown);
  if (r.kind === 'escapes') {
    const at = r.link?.at ?? shown;
    throw new BootError(
      `${what} leads out of the root: ${r.link ? `${r.link.at} is a symlink to ${r.link.target}, which climbs above /` : 'it climbs above /'}`,
      {
        input: shown,
        hint:
          opts.within && isStateSide(at, opts.within)
            ? opts.within.hint(at)
            : `Point ${at} at a path inside the image (an absolute link is read from the image's own /), or take ${shown} out of the layout.`,
      },
    );
  }
  const led = stripSysroot(r.path);
  if (r.path === SYSROOT) {
    throw new BootError(`${what} leads to / itself: ${describeLinks(r.links)}`, {
      input: shown,
      hint: `Point ${r.links.at(-1)?.at ?? shown} at a directory, or take ${shown} out of the layout.`,
    });
  }
  if (opts.within && !isSameOrBelow(r.path, opts.within.path)) {
    const link = r.links.find((l) => isStateSide(l.at, opts.within as Confine))?.at ?? shown;
    throw new BootError(`${what} leads to ${led}, out of ${opts.within.name}: ${describeLinks(r.links)}`, {
      input: shown,
      hint: opts.within.hint(link),
    });
  }
  if (r.links.length) ctx.log.info(`${shown} leads to ${led} (${describeLinks(r.links)})`);
  return r.path;
}

/** The spec with its target, bind source and overlay dirs under /sysroot resolved inside it. */
export async function resolveMountSpec(ctx: StepContext, spec: MountSpec): Promise<MountSpec> {
  const isBind = spec.options.includes('bind') || spec.options.includes('rbind');
  const options: string[] = [];
  for (const o of spec.options) {
    const at = o.indexOf('=');
    if (at < 0 || !PATH_OPTIONS.includes(o.slice(0, at))) {
      options.push(o);
      continue;
    }
    const dirs: string[] = [];
    for (const d of o.slice(at + 1).split(':')) dirs.push(await resolveInSysroot(ctx, d));
    options.push(`${o.slice(0, at)}=${dirs.join(':')}`);
  }
  return {
    ...spec,
    source: isBind ? await resolveInSysroot(ctx, spec.source) : spec.source,
    target: await resolveInSysroot(ctx, spec.target),
    options,
  };
}

/**
 * Items in mount order by where their targets lead, parents first: a path a symlink leads below
 * another (/etc/ssl/certs → /var/lib/ca-certificates/pem) is mounted after that one, not hidden
 * by it. A path that cannot be resolved keeps its planned place; resolving it again reports why.
 */
export async function orderByResolvedTarget<T extends {target: string}>(
  ctx: StepContext,
  items: T[],
): Promise<T[]> {
  const keyed = await Promise.all(
    items.map(async (item, i) => {
      if (!item.target.startsWith(`${SYSROOT}/`)) return {item, key: item.target, i};
      const r = await resolveKnown(ctx, stripSysroot(item.target)).catch(() => undefined);
      return {item, key: r?.kind === 'inside' ? r.path : item.target, i};
    }),
  );
  return keyed
    .sort((a, b) => compareMountOrder(stripSysroot(a.key), stripSysroot(b.key)) || a.i - b.i)
    .map((k) => k.item);
}

function describeLinks(links: LinkStep[]): string {
  return links.map((l) => `${l.at} is a symlink to ${l.target}`).join(', then ');
}

/** Is the link at `at` (a path in /sysroot) inside the confined tree, i.e. on the state side? */
function isStateSide(at: string, within: Confine): boolean {
  return isSameOrBelow(`${SYSROOT}${at}`, within.path);
}
