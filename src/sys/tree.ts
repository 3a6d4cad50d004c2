// What a persistent state seed compares: each entry of a tree as lstat sees it, never through a
// symlink. The image side is walked whole; the state side is looked up only at the paths the image
// and the manifest name, so a /home full of the user's files costs nothing to seed.
//
// Synchronous calls, yielding to the event loop after every 256 entries: an async lstat per entry
// goes through libuv's four-thread pool and measured 2-4x slower on a Debian /var/lib (717
// entries: 60-80 ms against 15-30 ms), and this runs on the boot's critical path. (A yield after
// each directory cost a turn of the loop for each of a first boot's ~40 empty persistent paths.)
import type {BigIntStats} from 'node:fs';
import path from 'node:path';
import type {TreeEntry, TreeListing} from '../boot/seed.ts';
import {lstatSync, readdirSync, readlinkSync} from './node-fs.ts';
import {SysError} from './sys.ts';

/** Entries looked up between two yields to the event loop. */
const SLICE = 256;

/** Whole milliseconds from the nanoseconds, exactly: a float `mtimeMs` can round down by one. */
export function treeEntryOf(st: BigIntStats, link?: string): TreeEntry {
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other';
  const e: TreeEntry = {
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: type === 'file' ? Number(st.size) : 0,
    mtimeMs: Number(st.mtimeNs / 1_000_000n),
  };
  if (link !== undefined) e.link = link;
  return e;
}

/** Every entry below the directory `dir` (a real path), `''` for `dir` itself; undefined if missing. */
export async function listTree(dir: string): Promise<TreeListing | undefined> {
  const top = entryAt(dir, '');
  if (!top) return undefined;
  if (top.type !== 'dir')
    throw new SysError(`Cannot list ${dir}: not a directory`, {
      code: 'ENOTDIR',
      hint: 'A persistent path must be a directory in the image, or be created by a stage first.',
    });
  const out: TreeListing = new Map([['', top]]);
  const todo = [''];
  let unyielded = 0;
  while (todo.length > 0) {
    const rel = todo.pop() as string;
    for (const name of readDir(dir, rel)) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const e = entryAt(dir, child);
      // Gone since readdir, or a name that is not UTF-8 (it cannot be named back): not listed.
      if (!e) continue;
      out.set(child, e);
      if (e.type === 'dir') todo.push(child);
      unyielded++;
    }
    if (unyielded >= SLICE) {
      unyielded = 0;
      await yieldToEventLoop();
    }
  }
  return out;
}

/**
 * The entries of `dir` (a real path) at `paths`, which hold every parent of each path. A path below
 * a missing entry or one that is not a directory is not looked up: lstat would follow a symlink
 * the user put in place of a directory.
 */
export async function statEntries(dir: string, paths: string[]): Promise<TreeListing> {
  const out: TreeListing = new Map();
  // Sorted, a parent comes before its children.
  const sorted = [...paths].sort();
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i] as string;
    if (p !== '' && out.get(parentOf(p))?.type !== 'dir') continue;
    const e = entryAt(dir, p);
    if (e) out.set(p, e);
    if (i % SLICE === SLICE - 1) await yieldToEventLoop();
  }
  return out;
}

function parentOf(p: string): string {
  const at = p.lastIndexOf('/');
  return at < 0 ? '' : p.slice(0, at);
}

function readDir(dir: string, rel: string): string[] {
  const p = path.join(dir, rel);
  try {
    return readdirSync(p);
  } catch (err) {
    throw new SysError(`Cannot list ${p}: ${(err as Error).message}`, {
      code: (err as NodeJS.ErrnoException).code ?? 'EIO',
      cause: err,
    });
  }
}

function entryAt(dir: string, rel: string): TreeEntry | undefined {
  const p = rel === '' ? dir : path.join(dir, rel);
  let st: BigIntStats;
  try {
    st = lstatSync(p, {bigint: true});
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new SysError(`Cannot read ${p}: ${(err as Error).message}`, {code: code ?? 'EIO', cause: err});
  }
  return treeEntryOf(st, st.isSymbolicLink() ? readlinkSync(p) : undefined);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
