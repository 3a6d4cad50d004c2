// Copy-up for persistent paths: the image's content of a path goes into its state dir, preserving
// everything, without touching anything already there. The first boot is one `cp -a` of the whole
// tree; later boots copy only what the image added, batched into one `cp` per 200 entries.
import type {Dirent} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {runTool} from './exec.ts';
import {type CopyUpResult, SysError} from './sys.ts';

const BATCH = 200;

/**
 * The entries of `from` (relative paths) that are missing in `to`, topmost only: a missing
 * directory is listed once, not its content. Directories present on both sides are walked;
 * anything else present in `to` (a file, a link, a dir where the image has a file) is left alone.
 */
export async function listMissing(from: string, to: string, rel = ''): Promise<string[]> {
  const [src, dst] = await Promise.all([readDir(path.join(from, rel)), readDir(path.join(to, rel))]);
  const have = new Map(dst.map((d) => [d.name, d]));
  const missing: string[] = [];
  const walks: Array<Promise<string[]>> = [];
  for (const entry of src) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const there = have.get(entry.name);
    if (!there) missing.push(child);
    else if (entry.isDirectory() && there.isDirectory()) walks.push(listMissing(from, to, child));
  }
  for (const more of await Promise.all(walks)) missing.push(...more);
  return missing;
}

async function readDir(dir: string): Promise<Dirent[]> {
  return fs.readdir(dir, {withFileTypes: true});
}

let noClobberFlag: Promise<string> | undefined;

/**
 * coreutils 9.2 made `-n` fail when it skips a file and added `--update=none` for the old
 * behaviour; older ones (and busybox) only know `-n`.
 */
export function cpNoClobberFlag(versionText: string): string {
  const m = /GNU coreutils\)\s+(\d+)\.(\d+)/.exec(versionText);
  if (!m) return '-n';
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 9 || (major === 9 && minor >= 2) ? '--update=none' : '-n';
}

function noClobber(): Promise<string> {
  noClobberFlag ??= runTool(['cp', '--version']).then(
    (r) => cpNoClobberFlag(r.stdout),
    () => '-n',
  );
  return noClobberFlag;
}

/** `cp` argv for the first copy (`to` missing) or for a batch of missing entries (cwd = from). */
export function cpArgs(
  flag: string,
  job: {whole: {from: string; to: string}} | {entries: string[]; to: string},
): string[] {
  if ('whole' in job) return ['cp', '-a', flag, '-T', '--', job.whole.from, job.whole.to];
  return ['cp', '-a', flag, '--parents', '-t', job.to, '--', ...job.entries];
}

/** Copy `from` into `to` (real paths) without overwriting; see Sys.copyUp. */
export async function copyUp(from: string, to: string): Promise<CopyUpResult> {
  const st = await fs.stat(from).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new SysError(`Cannot copy up ${from}: not a directory`, {
      code: st ? 'ENOTDIR' : 'ENOENT',
      hint: 'A persistent path must be a directory in the image, or be created by a stage first.',
    });
  }
  const flag = await noClobber();
  const there = await fs.lstat(to).catch(() => undefined);
  if (there && !there.isDirectory()) {
    throw new SysError(`Cannot copy up into ${to}: it exists and is not a directory`, {
      code: 'ENOTDIR',
      hint: `Move ${to} aside; immucore never deletes state.`,
    });
  }
  if (!there) {
    await fs.mkdir(path.dirname(to), {recursive: true});
    await runTool(cpArgs(flag, {whole: {from, to}}));
    return {copied: 1};
  }
  const missing = await listMissing(from, to);
  for (let i = 0; i < missing.length; i += BATCH) {
    // `--parents` recreates `a/b` under `to`; `a` exists there already, and is left as it is.
    await runTool(cpArgs(flag, {entries: missing.slice(i, i + BATCH), to}), {cwd: from});
  }
  return {copied: missing.length};
}
