// A stage's view of the machine: the rootfs stage sees the initramfs (`/`), the initramfs stage
// sees the new root (`/sysroot`). Paths in a cloud-config are as seen from there, and symlinks in
// them are followed the way the kernel would inside that root (`/oem` → `/sysroot/oem` in the
// initramfs), never out of it into the machine running immucore's tests.
import path from 'node:path';
import type {Sys} from './sys.ts';
import {SysError} from './sys.ts';

const MAX_LINKS = 40;

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

  private sysPath(...parts: string[]): string {
    return path.posix.join(this.root, ...parts);
  }
}
