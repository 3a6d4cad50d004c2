// What to bring from the booted image into a persistent state dir (SPEC §5), decided from three
// listings: the image's path, the state dir, and the manifest of what immucore seeded there last
// time. The manifest is what tells a file the user changed or deleted from one the image changed or
// added; without it (the Go immucore's `rsync --update` on every boot) a deleted file comes back
// and a rollback keeps the newer slot's files, because they are newer (kairos-io/kairos#4304).

/** One entry of a tree, as `lstat` sees it: what a seed compares. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'link' | 'other';
  /** Permission bits, setuid/setgid/sticky included (`mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes, for a file; 0 otherwise. */
  size: number;
  /** Whole milliseconds. */
  mtimeMs: number;
  /** A symlink's target, as written. */
  link?: string;
}

/** Entries by path relative to the tree's top; `''` is the top directory itself. */
export type TreeListing = Map<string, TreeEntry>;

export interface SeedCounts {
  /** New in the image: copied in. */
  added: number;
  /** Changed in the image and untouched in the state dir since the last seed: replaced. */
  updated: number;
  /** Changed in the image, but changed by the user too (or never seeded): the user's copy stays. */
  keptUserChanged: number;
  /** Seeded once, deleted by the user, still in the image: stays deleted. */
  notResurrected: number;
  /** Seeded from an earlier image that had it, gone from this one: left in place (never deleted). */
  notInImage: number;
}

export interface SeedPlan {
  /** Top-most entries to copy from the image and move into place; a new directory goes whole. */
  copy: string[];
  /** Directories whose mode and owner the image changed and the user did not: set to the image's. */
  attributes: Array<{path: string; mode: number; uid: number; gid: number}>;
  counts: SeedCounts;
  /** The manifest once `copy` and `attributes` are done. */
  manifest: TreeListing;
}

export function noCounts(): SeedCounts {
  return {added: 0, updated: 0, keptUserChanged: 0, notResurrected: 0, notInImage: 0};
}

/** Same kind, mode and owner. */
function sameAttributes(a: TreeEntry, b: TreeEntry): boolean {
  return a.type === b.type && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

/** The image's entry is the one recorded in the manifest: every field, to the millisecond. */
export function isSameInImage(image: TreeEntry, seeded: TreeEntry): boolean {
  if (!sameAttributes(image, seeded)) return false;
  if (image.type === 'link') return image.link === seeded.link;
  return image.type !== 'file' || (image.size === seeded.size && image.mtimeMs === seeded.mtimeMs);
}

/**
 * A state dir entry is still what was copied there from `seeded`. `cp -a` keeps mode, owner, size
 * and mtime, but a state filesystem with 128-byte inodes keeps whole seconds only, so the mtime is
 * compared to the second; a symlink's own mtime is not compared at all.
 */
export function isUnchangedInState(state: TreeEntry, seeded: TreeEntry): boolean {
  if (!sameAttributes(state, seeded)) return false;
  if (state.type === 'link') return state.link === seeded.link;
  if (state.type !== 'file') return true;
  return state.size === seeded.size && Math.floor(state.mtimeMs / 1000) === Math.floor(seeded.mtimeMs / 1000);
}

/** The top directory as immucore before this release made it (mkdir before the copy): 0755 root:root. */
function isBareTop(e: TreeEntry): boolean {
  return e.type === 'dir' && e.mode === 0o755 && e.uid === 0 && e.gid === 0;
}

type Cover = 'copied' | 'deleted' | 'kept';

/**
 * Decide a seed of an existing state dir. `manifest` undefined: nothing is recorded (a state dir
 * from an older immucore, or a first seed cut short before its manifest was written): whatever
 * already equals the image is adopted, what is missing is added, and what differs is the user's.
 */
export function decideSeed(
  image: TreeListing,
  state: TreeListing,
  manifest: TreeListing | undefined,
): SeedPlan {
  const seeded = manifest ?? new Map<string, TreeEntry>();
  const plan: SeedPlan = {copy: [], attributes: [], counts: noCounts(), manifest: new Map()};
  const covers = new Map<string, Cover>();
  const coverOf = (p: string): Cover | undefined => {
    for (let at = parentOf(p); at !== undefined; at = parentOf(at)) {
      const c = covers.get(at);
      if (c) return c;
    }
    return undefined;
  };
  const record = (p: string, e: TreeEntry | undefined) => {
    if (e) plan.manifest.set(p, e);
  };

  for (const p of [...image.keys()].sort()) {
    const i = image.get(p) as TreeEntry;
    const s = state.get(p);
    const m = seeded.get(p);
    const cover = coverOf(p);
    if (cover === 'copied') {
      plan.counts.added++;
      record(p, i);
      continue;
    }
    if (cover === 'deleted') {
      plan.counts.notResurrected++;
      record(p, m);
      continue;
    }
    if (cover === 'kept') {
      record(p, m);
      continue;
    }
    if (!s) {
      if (m) {
        // Seeded before and gone now: the user deleted it.
        plan.counts.notResurrected++;
        record(p, m);
        if (i.type === 'dir') covers.set(p, 'deleted');
      } else {
        plan.copy.push(p);
        plan.counts.added++;
        record(p, i);
        if (i.type === 'dir') covers.set(p, 'copied');
      }
      continue;
    }
    if (i.type === 'dir' && s.type === 'dir') {
      decideDirectory(p, i, s, m, manifest === undefined, plan);
      continue;
    }
    if (i.type === 'dir' || s.type === 'dir') {
      // A directory on one side only: it cannot be swapped in one rename, and what the state has
      // below it is not immucore's to throw away.
      plan.counts.keptUserChanged++;
      record(p, m);
      if (i.type === 'dir') covers.set(p, 'kept');
      continue;
    }
    if (isUnchangedInState(s, i)) {
      // Already the image's: the same file, or one a seed cut short had moved in.
      record(p, i);
      continue;
    }
    if (!m) {
      plan.counts.keptUserChanged++;
      continue;
    }
    if (isUnchangedInState(s, m)) {
      plan.copy.push(p);
      plan.counts.updated++;
      record(p, i);
      continue;
    }
    if (!isSameInImage(i, m)) plan.counts.keptUserChanged++;
    record(p, m);
  }

  // What the manifest holds that this image does not: left in the state dir, and remembered while
  // the state dir still has it (a later image that brings it back must not overwrite the user's).
  for (const [p, m] of seeded) {
    if (image.has(p) || plan.manifest.has(p)) continue;
    const s = state.get(p);
    if (!s) continue;
    if (isUnchangedInState(s, m) && !coverOf(p)) plan.counts.notInImage++;
    plan.manifest.set(p, m);
  }
  return plan;
}

function decideDirectory(
  p: string,
  i: TreeEntry,
  s: TreeEntry,
  m: TreeEntry | undefined,
  unrecorded: boolean,
  plan: SeedPlan,
): void {
  const setAttributes = () => {
    plan.attributes.push({path: p, mode: i.mode, uid: i.uid, gid: i.gid});
    plan.counts.updated++;
    plan.manifest.set(p, i);
  };
  if (sameAttributes(s, i)) {
    plan.manifest.set(p, i);
  } else if (m?.type === 'dir') {
    if (!sameAttributes(s, m)) {
      // The user changed the directory's mode or owner.
      if (!sameAttributes(i, m)) plan.counts.keptUserChanged++;
      plan.manifest.set(p, m);
    } else if (!sameAttributes(i, m)) setAttributes();
    else plan.manifest.set(p, m);
  } else if (p === '' && unrecorded && isBareTop(s)) {
    // A state dir an older immucore made with mkdir before copying into it: /root left 0755.
    setAttributes();
  } else {
    plan.counts.keptUserChanged++;
  }
}

/** `a/b` → `a`, `a` → `''`, `''` → undefined. */
function parentOf(p: string): string | undefined {
  if (p === '') return undefined;
  const at = p.lastIndexOf('/');
  return at < 0 ? '' : p.slice(0, at);
}

/** Every path of either listing, parents first: the state dir entries a seed has to look at. */
export function planStatePaths(image: TreeListing, manifest: TreeListing | undefined): string[] {
  return [...new Set([...image.keys(), ...(manifest?.keys() ?? [])])].sort();
}
