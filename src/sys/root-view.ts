// A stage's view of the machine: the rootfs stage sees the initramfs (`/`), the initramfs stage
// sees the new root (`/sysroot`). Paths in a cloud-config are as seen from there, and symlinks in
// them are followed the way the kernel would inside that root (`/oem` → `/sysroot/oem` in the
// initramfs), never out of it into the machine running immucore's tests.
import path from 'node:path';
import type {Sys} from './sys.ts';
import {SysError} from './sys.ts';

const MAX_LINKS = 40;

/** A symlink met on the way: where it is (a path in the view) and what it holds, as written. */
export interface LinkStep {
  at: string;
  target: string;
}

/**
 * Where a path of the view leads: `inside`, with the Sys path and the links followed to get there;
 * or `escapes`, with the link whose `..` climbs above the view's `/` (none when the path itself does).
 */
export type Resolution =
  | {kind: 'inside'; path: string; links: LinkStep[]}
  | {kind: 'escapes'; link?: LinkStep};

export class RootView {
  constructor(
    readonly sys: Sys,
    /** The Sys path of the view's `/`: `/` or `/sysroot`. */
    readonly root: string,
  ) {}

  /** The view is the machine's own root (the real initramfs): no chroot needed, units can start. */
  get isLiveRoot(): boolean {
    return this.sys.resolvePath(this.root) === '/';
  }

  /** The real directory of the view's `/`, for chroot. */
  get realRoot(): string {
    return this.sys.resolvePath(this.root);
  }

  /** The Sys path of `p` (as seen in the view), every symlink on the way followed inside the view. */
  async resolve(p: string): Promise<string> {
    const todo = path.posix.normalize(`/${p}`).split('/').filter(Boolean);
    const done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift() as string;
      if (part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const target = await this.sys.readlink(this.sysPath(...done, part));
      if (target === undefined) {
        done.push(part);
        continue;
      }
      if (++links > MAX_LINKS)
        throw new SysError(`Cannot resolve ${p} in ${this.root}: too many symlinks`, {code: 'ELOOP'});
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
    }
    return this.sysPath(...done);
  }

  /**
   * Like `resolve`, for paths handed to mount(2) and mkdir: it lists the links it followed, and
   * reports a `..` that climbs above the view's `/` instead of stopping there as a chroot would,
   * because such a link was written for another tree (or to get out of this one). A path with no
   * symlink in it costs one realpath, not a readlink per component: this runs for every mount.
   */
  async resolveInside(p: string): Promise<Resolution> {
    const start = path.posix.normalize(`/${p}`);
    const full = this.sysPath(start);
    if ((await this.sys.realpath(full)) === full) return {kind: 'inside', path: full, links: []};
    const todo: Array<{part: string; from?: LinkStep}> = start
      .split('/')
      .filter(Boolean)
      .map((part) => ({part}));
    const done: string[] = [];
    const links: LinkStep[] = [];
    while (todo.length > 0) {
      const {part, from} = todo.shift() as {part: string; from?: LinkStep};
      if (part === '.') continue;
      if (part === '..') {
        if (done.length === 0) return from ? {kind: 'escapes', link: from} : {kind: 'escapes'};
        done.pop();
        continue;
      }
      const target = await this.sys.readlink(this.sysPath(...done, part));
      if (target === undefined) {
        done.push(part);
        continue;
      }
      if (links.length >= MAX_LINKS)
        throw new SysError(`Cannot resolve ${p} in ${this.root}: too many symlinks`, {code: 'ELOOP'});
      const link = {at: `/${[...done, part].join('/')}`, target};
      links.push(link);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(
        ...target
          .split('/')
          .filter(Boolean)
          .map((t) => ({part: t, from: link})),
      );
    }
    return {kind: 'inside', path: this.sysPath(...done), links};
  }

  private sysPath(...parts: string[]): string {
    return path.posix.join(this.root, ...parts);
  }
}
