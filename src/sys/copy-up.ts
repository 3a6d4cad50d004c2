// Copy-up for persistent paths: the image's content of a path copied into a staging dir beside the
// state dir, preserving everything (owner, mode, timestamps, xattrs, symlinks, hard links, special
// files), then moved into place by rename. A first seed is one `cp -a` of the whole tree, the
// directory itself included; a later one copies the entries a seed decided on, one `cp` per 200.
import fs from 'node:fs/promises';
import path from 'node:path';
import {runTool} from './exec.ts';
import {SysError} from './sys.ts';

const BATCH = 200;

/** `cp` argv for a whole tree into a missing `to`, or for entries of `from` (the cwd) into `to`. */
export function cpArgs(job: {whole: {from: string; to: string}} | {entries: string[]; to: string}): string[] {
  if ('whole' in job) return ['cp', '-a', '-T', '--', job.whole.from, job.whole.to];
  return ['cp', '-a', '--parents', '-t', job.to, '--', ...job.entries];
}

/** Copy the directory `from` to `to`, which must not exist yet (real paths); see Sys.copyTree. */
export async function copyTree(from: string, to: string): Promise<void> {
  await assertDirectory(from);
  if (await fs.lstat(to).catch(() => undefined)) {
    throw new SysError(`Cannot copy ${from} to ${to}: ${to} exists`, {
      code: 'EEXIST',
      hint: `Move ${to} aside; immucore never copies over state.`,
    });
  }
  await fs.mkdir(path.dirname(to), {recursive: true});
  await runTool(cpArgs({whole: {from, to}}));
}

/** Copy `entries` (relative to `from`) into the directory `to`, parents recreated (real paths). */
export async function copyEntries(from: string, entries: string[], to: string): Promise<void> {
  await assertDirectory(from);
  for (let i = 0; i < entries.length; i += BATCH) {
    await runTool(cpArgs({entries: entries.slice(i, i + BATCH), to}), {cwd: from});
  }
}

async function assertDirectory(p: string): Promise<void> {
  const st = await fs.stat(p).catch(() => undefined);
  if (st?.isDirectory()) return;
  throw new SysError(`Cannot copy up ${p}: not a directory`, {
    code: st ? 'ENOTDIR' : 'ENOENT',
    hint: 'A persistent path must be a directory in the image, or be created by a stage first.',
  });
}
