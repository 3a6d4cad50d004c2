// Copy-up for persistent paths: the image's content of a path copied into a staging dir beside the
// state dir, preserving everything (owner, mode, timestamps, xattrs, symlinks, hard links, special
// files), then moved into place by rename. A first seed is one `cp -a` of the whole tree, the
// directory itself included; a later one copies the entries a seed decided on, one `cp` per 200.
// An empty directory without extended attributes (most persistent paths on a first boot: the
// mountpoint was just made in an overlay) is copied in-process instead, with what `cp -a` keeps of
// it: owner, mode, timestamps. Under QEMU/TCG each `cp` process cost ~0.2 s of a ~0.45 s seed.
// Its calls are synchronous: metadata only, and a first boot makes ~40 such dirs, where a hop to
// bun's thread pool and back for each of their nine calls cost more CPU than the calls themselves.
import path from 'node:path';
import {runTool} from './exec.ts';
import {hasXattrs} from './libc.ts';
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmdirSync,
  statSync,
  utimesSync,
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
  if (await copyEmptyDir(from, to)) return;
  await runTool(cpArgs({whole: {from, to}})).catch(rethrowFull);
}

/**
 * `cp -a -T from to` for an empty directory without xattrs, in-process: false (nothing done) when
 * `from` has entries, xattrs or special mode bits, or xattrs cannot be told (no FFI): `cp` copies those.
 */
export async function copyEmptyDir(from: string, to: string): Promise<boolean> {
  if (readdirSync(from).length > 0 || (await hasXattrs(from)) !== false) return false;
  const st = lstatSync(from, {bigint: true});
  // bun's chmod keeps only the 0o777 bits (1.3.14: chmod("d", 0751) for 0o2751): a setgid, setuid
  // or sticky directory goes to cp.
  if ((st.mode & 0o7000n) !== 0n) return false;
  mkdirSync(to, {mode: 0o700});
  try {
    lchownSync(to, Number(st.uid), Number(st.gid));
    // After chown, which clears setuid and setgid bits; as cp -a does it.
    chmodSync(to, Number(st.mode & 0o7777n));
    utimesSync(to, Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9);
  } catch (err) {
    try {
      rmdirSync(to);
    } catch {}
    throw new SysError(`Cannot copy ${from} to ${to}: ${(err as Error).message}`, {
      code: (err as NodeJS.ErrnoException).code ?? 'EIO',
      cause: err,
    });
  }
  return true;
}

/** Copy `entries` (relative to `from`) into the directory `to`, parents recreated (real paths). */
export async function copyEntries(from: string, entries: string[], to: string): Promise<void> {
  assertDirectory(from);
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
