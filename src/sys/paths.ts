// Root-relative paths: immucore names `/sysroot/etc`; the Sys root turns it into the real path.
import path from 'node:path';

/** `<root>/<p>`; `..` cannot climb above the root. A relative `p` is taken from `/`. */
export function resolveUnder(root: string, p: string): string {
  const inside = path.posix.normalize(`/${p}`).replace(/(.)\/+$/, '$1');
  return root === '/' ? inside : inside === '/' ? root : path.posix.join(root, inside);
}

/** The immucore path of a real path, or `undefined` when it lies outside the root. */
export function toRootRelative(root: string, real: string): string | undefined {
  if (root === '/') return real;
  if (real === root) return '/';
  return real.startsWith(`${root}/`) ? real.slice(root.length) : undefined;
}

/** True for a path that names a device node: those are never moved under the root. */
export function isDevicePath(p: string): boolean {
  return p.startsWith('/dev/');
}
