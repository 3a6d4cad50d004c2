// The seed manifest: what immucore copied into a state dir, entry by entry, as the image had it,
// kept beside the state dir (`<state target>/.immucore/<n>.seed.json`), never in it, so the booted
// system does not see it under /etc/ssh. One compact row per entry: Kairos' /etc alone has a few
// thousand. Which image last seeded the dir is the one-line `<n>.seeded-from` next to it: the
// file every boot reads. Rows may come from several images (what the user kept stays recorded as
// seeded), so the manifest names none, and an upgrade that changes nothing here leaves it as it is.
import type {TreeEntry, TreeListing} from './seed.ts';

export const MANIFEST_VERSION = 1;

export interface SeedManifest {
  /** The persistent path, for a person reading the file. */
  path: string;
  entries: TreeListing;
}

type Row = [
  type: string,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtimeMs: number,
  link?: string,
];

const TYPES: Record<string, TreeEntry['type']> = {f: 'file', d: 'dir', l: 'link', o: 'other'};
const LETTERS: Record<TreeEntry['type'], string> = {file: 'f', dir: 'd', link: 'l', other: 'o'};

export function renderManifest(m: SeedManifest): string {
  const entries: Record<string, Row> = {};
  for (const p of [...m.entries.keys()].sort()) {
    const e = m.entries.get(p) as TreeEntry;
    const row: Row = [LETTERS[e.type], e.mode, e.uid, e.gid, e.size, e.mtimeMs];
    if (e.link !== undefined) row.push(e.link);
    entries[p] = row;
  }
  return `${JSON.stringify({version: MANIFEST_VERSION, path: m.path, entries})}\n`;
}

/** The manifest in `text`, or why it cannot be read (a seed then treats the state dir as unrecorded). */
export function parseManifest(text: string): {value: SeedManifest} | {error: string} {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {error: `not JSON (${err instanceof Error ? err.message : String(err)})`};
  }
  if (typeof raw !== 'object' || raw === null) return {error: 'not a JSON object'};
  const o = raw as {version?: unknown; path?: unknown; entries?: unknown};
  if (o.version !== MANIFEST_VERSION) return {error: `version ${String(o.version)}, not ${MANIFEST_VERSION}`};
  if (typeof o.path !== 'string') return {error: 'no path'};
  if (typeof o.entries !== 'object' || o.entries === null) return {error: 'no entries'};
  const entries: TreeListing = new Map();
  for (const [p, row] of Object.entries(o.entries as Record<string, unknown>)) {
    const e = parseRow(row);
    if (!e) return {error: `entry "${p}" is not [type, mode, uid, gid, size, mtimeMs, link?]`};
    entries.set(p, e);
  }
  return {value: {path: o.path, entries}};
}

function parseRow(row: unknown): TreeEntry | undefined {
  if (!Array.isArray(row) || row.length < 6 || row.length > 7) return undefined;
  const [t, mode, uid, gid, size, mtimeMs, link] = row as unknown[];
  const type = TYPES[String(t)];
  const nums = [mode, uid, gid, size, mtimeMs];
  if (!type || !nums.every((n) => Number.isInteger(n))) return undefined;
  if (link !== undefined && typeof link !== 'string') return undefined;
  const e: TreeEntry = {
    type,
    mode: mode as number,
    uid: uid as number,
    gid: gid as number,
    size: size as number,
    mtimeMs: mtimeMs as number,
  };
  if (link !== undefined) e.link = link;
  return e;
}
