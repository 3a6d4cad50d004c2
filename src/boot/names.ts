// How immucore names the things it derives from a path: overlay dirs and persistent state dirs
// (SPEC §5). Kairos images already carry state under these names, so they must not change.

/** `/var/lib` → `var-lib`: the name of the overlay dir under /run/overlay and of the state dir. */
export function overlayName(path: string): string {
  return path.replace(/^\/+/, '').replaceAll('/', '-');
}

/** `/var/lib` → `var-lib.bind`: the persistent state dir under PERSISTENT_STATE_TARGET. */
export function bindDirName(path: string): string {
  return `${overlayName(path)}.bind`;
}

export type PathCheck = {ok: true; path: string} | {ok: false; reason: string};

/**
 * Normalise an absolute path: collapse `//`, drop `.` segments and a trailing `/`. A relative path
 * or a `..` segment is refused, because the mount would land outside the place the user named.
 */
export function normalizePath(raw: string): PathCheck {
  if (!raw.startsWith('/')) return {ok: false, reason: 'is not an absolute path'};
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return {ok: false, reason: 'contains ".."'};
  // Overlay options are `lowerdir=a:b,upperdir=…`: a `,` or `:` in a path would split it.
  if (/[,:]/.test(raw)) return {ok: false, reason: 'contains "," or ":", which mount options cannot carry'};
  return {ok: true, path: `/${parts.join('/')}`};
}

/** True when `child` is `parent` itself or lies below it (`/etc/ssh` under `/etc`). */
export function isSameOrBelow(child: string, parent: string): boolean {
  return parent === '/' || child === parent || child.startsWith(`${parent}/`);
}

/** Mount order: parents before children (fewer components first), then by name (SPEC §5). */
export function compareMountOrder(a: string, b: string): number {
  const depth = (p: string) => (p === '/' ? 0 : p.split('/').length - 1);
  return depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);
}
