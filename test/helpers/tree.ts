// Small file trees for images and copy-up tests, written from a literal: `{'etc/motd': 'hi'}`.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';

export interface TreeNode {
  content?: string;
  /** A directory (its content comes from other keys below it). */
  dir?: boolean;
  symlink?: string;
  fifo?: boolean;
  /** A hard link to another entry of the same tree (its key). */
  hardlink?: string;
  /** Copy this real file in (e.g. a root image into the state partition's tree). */
  copyFrom?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  /** `user.*` or `trusted.*` extended attributes, set with setfattr. */
  xattrs?: Record<string, string>;
}

/** Keys are paths relative to the tree's top; a string is a file's content. */
export type Tree = Record<string, string | TreeNode>;

/** Write `tree` under `dir` (created); parents before children, mtimes last so they stick. */
export async function writeTree(dir: string, tree: Tree): Promise<void> {
  await fs.mkdir(dir, {recursive: true});
  const entries = Object.entries(tree)
    .map(([rel, v]) => [rel, typeof v === 'string' ? {content: v} : v] as const)
    .sort(
      ([a, x], [b, y]) => Number(Boolean(x.hardlink)) - Number(Boolean(y.hardlink)) || a.localeCompare(b),
    );
  for (const [rel, node] of entries) {
    const p = path.join(dir, rel);
    await fs.mkdir(path.dirname(p), {recursive: true});
    if (node.dir) await fs.mkdir(p, {recursive: true});
    else if (node.symlink !== undefined) await fs.symlink(node.symlink, p);
    else if (node.fifo) await execa('mkfifo', [p]);
    else if (node.hardlink !== undefined) await fs.link(path.join(dir, node.hardlink), p);
    else if (node.copyFrom !== undefined) await fs.copyFile(node.copyFrom, p);
    else await fs.writeFile(p, node.content ?? '');
    if (node.uid !== undefined || node.gid !== undefined) await fs.lchown(p, node.uid ?? 0, node.gid ?? 0);
    if (node.mode !== undefined && node.symlink === undefined) await fs.chmod(p, node.mode);
    for (const [name, value] of Object.entries(node.xattrs ?? {})) {
      await execa('setfattr', ['-h', '-n', name, '-v', value, p]);
    }
  }
  for (const [rel, node] of entries.filter(([, n]) => n.mtime).reverse()) {
    const t = node.mtime as Date;
    await fs.lutimes(path.join(dir, rel), t, t);
  }
}
