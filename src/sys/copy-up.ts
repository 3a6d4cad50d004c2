// Copy-up for persistent paths: the image's content of a path copied into a staging dir beside the
// state dir, preserving everything (owner, mode, timestamps, xattrs, symlinks, hard links, special
// files), then moved into place by rename. A first seed is one `cp -a` of the whole tree, the
// directory itself included; a later one copies the entries a seed decided on, one `cp` per 200.
// A small tree of plain entries (most persistent paths on a first boot: an empty mountpoint just
// made in an overlay, an /etc/ssh, a /root with its dotfiles) is copied in-process instead, with
// what `cp -a` keeps of it: content, owner, mode, timestamps to the nanosecond, symlinks. Under
// QEMU/TCG each `cp` process cost ~0.2 s of a ~0.45 s seed, and on a host where fork + exec costs
// 3 ms one `cp -a` of a one-file /etc/ssh cost more CPU than the rest of its seed.
// Its calls are synchronous: a small tree only, where a hop to bun's thread pool and back for each
// of its calls cost more CPU than the calls themselves.
import type {BigIntStats} from 'node:fs';
import path from 'node:path';
import {runTool} from './exec.ts';
import {type Libc, loadLibc, setTimes, xattrListSize} from './libc.ts';
import {
  chmodSync,
  constants,
  copyFileSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from './node-fs.ts';
import {SysError} from './sys.ts';

const BATCH = 200;

/** `cp` argv for a whole tree into a missing `to`, or for entries of `from` (the cwd) into `to`. */
export function cpArgs(job: {whole: {from: string; to: string}} | {entries: string[]; to: string}): string[] {
  if ('whole' in job) return ['cp', '-a', '-T', '--', job.whole.from, job.whole.to];
  return ['cp', '-a', '--parents', '-t', job.to, '--', ...job.entries];
}

/** Copy the directory `from` to `to`, which must not exist yet (real paths); see Sys.copyTree. */
export async function copyTree(from: string, to: string): Promise<void> {
  assertDirectory(from);
  if (lstatSync(to, {throwIfNoEntry: false})) {
    throw new SysError(`Cannot copy ${from} to ${to}: ${to} exists`, {
      code: 'EEXIST',
      hint: `Move ${to} aside; immucore never copies over state.`,
    });
  }
  mkdirSync(path.dirname(to), {recursive: true});
  if (await copySmallTree(from, to)) return;
  await runTool(cpArgs({whole: {from, to}})).catch(rethrowFull);
}

/**
 * What `copySmallTree` copies in-process at most; a bigger tree goes to `cp`, which costs one
 * process whatever the size and less per entry. Measured under bun as the unit runs it (no baseline
 * JIT), CPU medians of 9, files of 200-2000 bytes with some symlinks and dirs: 1 entry 0.18 ms
 * in-process against 5.4 ms for the `cp` process alone, 64: 3.9 / 7.8, 128: 8.6 / 11.3, 256: 17.5
 * / 15.4 ms. Debian's /etc/systemd (32 entries), /etc/ssh and /root fit; /etc/ssl/certs (~280
 * symlinks) does not.
 */
export const SMALL_TREE = {entries: 128, bytes: 4 << 20};

/**
 * `cp -a -T from to` in-process, for a small tree of directories, regular files and symlinks
 * (`to` must not exist): false, with nothing created, when `cp` must do it: more than SMALL_TREE,
 * a special file, a hard link (cp -a keeps links within the tree), a setuid, setgid or sticky bit
 * (bun's chmod keeps only the 0o777 bits), any extended attribute (ACLs, SELinux labels, file
 * capabilities), or no FFI to tell xattrs and set exact times (node).
 */
export async function copySmallTree(from: string, to: string): Promise<boolean> {
  return copyInProcess(from, [''], to, () => rmSync(to, {recursive: true, force: true}));
}

/**
 * `cp -a --parents -t to -- entries...` (in `from`) in-process, into the empty directory `to`, under
 * the same conditions as copySmallTree over everything it would copy, parents included: an
 * upgrade's seed of a path brings in a few changed entries, and a `cp` process for them cost more
 * than the rest of that seed. false when `cp` must do it; on a failure what was made stays in `to`
 * (the caller's staging dir), as cp leaves it.
 */
export async function copySmallEntries(from: string, entries: string[], to: string): Promise<boolean> {
  if (entries.length === 0 || !isEmptyDir(to)) return false;
  return copyInProcess(from, entries, to, () => undefined);
}

/** Copy `roots` of `from` into `to` when smallTree allows it; `undo` runs before a failure is thrown. */
async function copyInProcess(from: string, roots: string[], to: string, undo: () => void): Promise<boolean> {
  const lib = await loadLibc();
  const entries = lib ? smallTree(lib, from, roots) : undefined;
  if (!lib || !entries) return false;
  try {
    createAll(lib, from, to, entries);
  } catch (err) {
    undo();
    // A full volume keeps its code (ENOSPC, EDQUOT): the seed names it as the cause, as for cp.
    throw new SysError(`Cannot copy ${from} to ${to}: ${(err as Error).message}`, {
      code: (err as NodeJS.ErrnoException).code ?? 'EIO',
      cause: err,
    });
  }
  return true;
}

/** Make `entries` (parents first) under `to` from `from`, then set each directory's attributes. */
function createAll(lib: Libc, from: string, to: string, entries: TreeItem[]): void {
  for (const {rel, st} of entries) {
    const [src, dst] = [joinRel(from, rel), joinRel(to, rel)];
    if (st.isDirectory()) {
      mkdirSync(dst, {mode: 0o700});
      continue;
    }
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else copyFileSync(src, dst, constants.COPYFILE_EXCL);
    setAttributes(lib, dst, st);
  }
  // Directories' attributes last, once all is made: making an entry inside one changes its mtime.
  for (const {rel, st} of entries.toReversed())
    if (st.isDirectory()) setAttributes(lib, joinRel(to, rel), st);
}

/** Owner, then mode (chown clears setuid and setgid bits; cp -a does it in this order), then times. */
function setAttributes(lib: Libc, p: string, st: BigIntStats): void {
  lchownSync(p, Number(st.uid), Number(st.gid));
  if (!st.isSymbolicLink()) chmodSync(p, Number(st.mode & 0o777n));
  setTimes(lib, p, st);
}

interface TreeItem {
  rel: string;
  st: BigIntStats;
}

/**
 * What copying `roots` (relative to `from`; `''` for `from` itself) whole copies, parents first: the
 * directories above each root, then the root and everything below it. undefined when `cp` must copy
 * it (see copySmallTree), or when a root is missing.
 */
function smallTree(lib: Libc, from: string, roots: string[]): TreeItem[] | undefined {
  const out: TreeItem[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  /** Take one entry: its stat, or undefined when the copy must go to cp. */
  const take = (rel: string): BigIntStats | undefined => {
    const p = joinRel(from, rel);
    // Gone since readdir, or a name that is not UTF-8 (readdir's string cannot name it back): cp.
    const st = lstatSync(p, {bigint: true, throwIfNoEntry: false});
    if (!st) return undefined;
    const plain = st.isDirectory() || st.isSymbolicLink() || (st.isFile() && st.nlink === 1n);
    if (!plain || (st.mode & 0o7000n) !== 0n || !exactTimes(st) || xattrListSize(lib, p) !== 0)
      return undefined;
    if (st.isFile()) bytes += Number(st.size);
    seen.add(rel);
    out.push({rel, st});
    return st;
  };
  // Sorted, an ancestor comes before what is below it, which its walk takes whole.
  for (const root of [...roots].sort()) {
    const parts = root === '' ? [] : root.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!seen.has(parent) && !take(parent)?.isDirectory()) return undefined;
    }
    if (seen.has(root)) continue;
    const todo = [root];
    while (todo.length > 0) {
      const rel = todo.shift() as string;
      const st = take(rel);
      if (!st) return undefined;
      if (st.isDirectory())
        for (const name of readdirSync(joinRel(from, rel))) todo.push(rel === '' ? name : `${rel}/${name}`);
      if (out.length + todo.length > SMALL_TREE.entries || bytes > SMALL_TREE.bytes) return undefined;
    }
  }
  return out;
}

/**
 * The nanosecond times agree with the millisecond ones. bun 1.3.14's bigint lstat gives 0n
 * nanoseconds for a time before 1970 (its milliseconds are right), and such a time seldom divides
 * to its floored milliseconds: a tree with one goes to cp.
 */
function exactTimes(st: BigIntStats): boolean {
  return st.mtimeNs / 1_000_000n === st.mtimeMs && st.atimeNs / 1_000_000n === st.atimeMs;
}

function isEmptyDir(p: string): boolean {
  return lstatSync(p, {throwIfNoEntry: false})?.isDirectory() === true && readdirSync(p).length === 0;
}

function joinRel(dir: string, rel: string): string {
  return rel === '' ? dir : `${dir}/${rel}`;
}

/** Copy `entries` (relative to `from`) into the directory `to`, parents recreated (real paths). */
export async function copyEntries(from: string, entries: string[], to: string): Promise<void> {
  assertDirectory(from);
  if (await copySmallEntries(from, entries, to)) return;
  for (let i = 0; i < entries.length; i += BATCH) {
    await runTool(cpArgs({entries: entries.slice(i, i + BATCH), to}), {cwd: from}).catch(rethrowFull);
  }
}

/**
 * `cp` says a full disk only in words ("No space left on device", strerror of ENOSPC; EDQUOT for a
 * quota): give its failure that code, so the seed names the full volume as the cause, not "exited 1".
 */
export function rethrowFull(err: unknown): never {
  const stderr = err instanceof SysError ? (err.stderr ?? '') : '';
  const code = /No space left on device/.test(stderr)
    ? 'ENOSPC'
    : /Disk quota exceeded/.test(stderr)
      ? 'EDQUOT'
      : undefined;
  if (!code || !(err instanceof SysError)) throw err;
  throw new SysError(err.message, {
    code,
    ...(err.argv ? {argv: err.argv} : {}),
    ...(err.exitCode !== undefined ? {exitCode: err.exitCode} : {}),
    stderr,
  });
}

function assertDirectory(p: string): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(p);
  } catch {}
  if (st?.isDirectory()) return;
  throw new SysError(`Cannot copy up ${p}: not a directory`, {
    code: st ? 'ENOTDIR' : 'ENOENT',
    hint: 'A persistent path must be a directory in the image, or be created by a stage first.',
  });
}
