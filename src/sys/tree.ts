// What a persistent state seed compares: each entry of a tree as lstat sees it, never through a
// symlink. The image side is walked whole; the state side is looked up only at the paths the image
// and the manifest name, so a /home full of the user's files costs nothing to seed.
import type {BigIntStats} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type {TreeEntry, TreeListing} from '../boot/seed.ts';
import {SysError} from './sys.ts';

/** How many lstat calls are in flight at once. */
const PARALLEL = 128;

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
  const top = await lstatOrMissing(dir);
  if (!top) return undefined;
  if (!top.isDirectory())
    throw new SysError(`Cannot list ${dir}: not a directory`, {
      code: 'ENOTDIR',
      hint: 'A persistent path must be a directory in the image, or be created by a stage first.',
    });
  const out: TreeListing = new Map([['', treeEntryOf(top)]]);
  let level = [''];
  while (level.length > 0) {
    const children: string[] = [];
    for (const rel of level) {
      for (const name of await fs.readdir(path.join(dir, rel)))
        children.push(rel === '' ? name : `${rel}/${name}`);
    }
    const entries = await inBatches(children, (rel) => entryAt(dir, rel));
    level = [];
    children.forEach((rel, i) => {
      const e = entries[i];
      // Gone since readdir, or a name that is not UTF-8 (it cannot be named back): not listed.
      if (!e) return;
      out.set(rel, e);
      if (e.type === 'dir') level.push(rel);
    });
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
  const depth = (p: string) => (p === '' ? 0 : p.split('/').length);
  const byDepth = new Map<number, string[]>();
  for (const p of paths) byDepth.set(depth(p), [...(byDepth.get(depth(p)) ?? []), p]);
  for (const d of [...byDepth.keys()].sort((a, b) => a - b)) {
    const todo = (byDepth.get(d) ?? []).filter((p) => p === '' || out.get(parentOf(p))?.type === 'dir');
    const entries = await inBatches(todo, (rel) => entryAt(dir, rel));
    todo.forEach((rel, i) => {
      const e = entries[i];
      if (e) out.set(rel, e);
    });
  }
  return out;
}

function parentOf(p: string): string {
  const at = p.lastIndexOf('/');
  return at < 0 ? '' : p.slice(0, at);
}

async function entryAt(dir: string, rel: string): Promise<TreeEntry | undefined> {
  const p = rel === '' ? dir : path.join(dir, rel);
  const st = await lstatOrMissing(p);
  if (!st) return undefined;
  return treeEntryOf(st, st.isSymbolicLink() ? await fs.readlink(p) : undefined);
}

async function lstatOrMissing(p: string): Promise<BigIntStats | undefined> {
  try {
    return await fs.lstat(p, {bigint: true});
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new SysError(`Cannot read ${p}: ${(err as Error).message}`, {code: code ?? 'EIO', cause: err});
  }
}

async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL)
    out.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(fn))));
  return out;
}
