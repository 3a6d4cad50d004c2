// A tiny root with a shell for stage tests: the static busybox as /bin/busybox, every applet a
// link to it (/bin/sh, sed, sleep...). Stage commands run chrooted in such a root.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type {Tree} from '../helpers/tree.ts';

/** The static busybox of this machine (Debian: busybox-static). */
export function busyboxPath(): string {
  for (const p of ['/usr/bin/busybox', '/bin/busybox', '/usr/sbin/busybox']) {
    try {
      execFileSync(p, ['true']);
      return p;
    } catch {
      // not there, or not runnable
    }
  }
  throw new Error('stage tests need a static busybox: apt-get install -y busybox-static');
}

function applets(): string[] {
  return execFileSync(busyboxPath(), ['--list'], {encoding: 'utf8'}).split('\n').filter(Boolean);
}

/** A Tree (for an image) holding busybox and its applet links in /bin. */
export function busyboxTree(): Tree {
  const tree: Tree = {'bin/busybox': {copyFrom: busyboxPath(), mode: 0o755}};
  for (const a of applets()) if (a !== 'busybox') tree[`bin/${a}`] = {symlink: 'busybox'};
  return tree;
}

/** Lay busybox into `dir/bin` (a root that is a plain directory). */
export async function installBusybox(dir: string): Promise<void> {
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin, {recursive: true});
  await fs.copyFile(busyboxPath(), path.join(bin, 'busybox'));
  await fs.chmod(path.join(bin, 'busybox'), 0o755);
  await Promise.all(
    applets()
      .filter((a) => a !== 'busybox')
      .map((a) => fs.symlink('busybox', path.join(bin, a)).catch(() => {})),
  );
}
