// The mount layout of a disk boot (SPEC §5): the layout files merged with the cmdline into the lists
// of overlays, persistent binds and volumes. Every problem names the exact line, path or token.
import type {BootConfig} from './boot-config.ts';
import {type DotenvEntry, decideDotenvValue, parseDotenvBool, parseDotenvEntries} from './dotenv.ts';
import {compareMountOrder, isSameOrBelow, normalizePath} from './names.ts';
import {error, type Problem, type Validated, warning} from './problem.ts';
import {
  OVERLAY_HINT,
  type OverlayBase,
  type Parsed,
  parseOverlayBase,
  parseVolume,
  VOLUME_HINT,
  type Volume,
} from './volume.ts';

export {parseDotenv} from './dotenv.ts';

/** The mount layout of a disk boot (SPEC §5), after merging the layout files with the cmdline. */
export interface Layout {
  /** Ephemeral overlay paths, normalised, de-duplicated, in mount order (parents first). */
  rwPaths: string[];
  /** Persistent paths (PERSISTENT_STATE_PATHS + CUSTOM_BIND_MOUNTS + extra-layout), mount order. */
  persistentPaths: string[];
  /** PERSISTENT_STATE_TARGET, default /usr/local/.state. */
  persistentTarget: string;
  /** PERSISTENT_STATE_BIND, default true. */
  persistentBind: boolean;
  /** Volumes: cmdline rd.immucore.mount first, then VOLUMES; later wins per mountpoint. */
  volumes: Volume[];
  /** OVERLAY from the file, else the cmdline's rd.immucore.overlay. */
  overlay: OverlayBase;
  /** The layout file's OVERLAY line when `overlay` came from it: what a warning about it names. */
  overlayLine?: string;
}

/** The text of the layout files; undefined = the file does not exist. */
export interface LayoutFiles {
  /** The text of LAYOUT_FILE. */
  layout?: string;
  /** The text of EXTRA_LAYOUT_FILE. */
  extra?: string;
}

export const LAYOUT_FILE = '/run/cos/cos-layout.env';
export const EXTRA_LAYOUT_FILE = '/run/cos/extra-layout.env';
const DEFAULT_RW_PATHS = ['/etc', '/root', '/home', '/opt', '/srv', '/usr/local', '/var'];
const DEFAULT_TARGET = '/usr/local/.state';
const DEFAULT_RW = {key: 'RW_PATHS', explicit: false};
const EXTRA_KEYS = ['PERSISTENT_STATE_PATHS', 'CUSTOM_BIND_MOUNTS'];
const TARGET_HINT = `Write an absolute path, e.g. PERSISTENT_STATE_TARGET=${DEFAULT_TARGET}.`;
const BIND_HINT = 'Write PERSISTENT_STATE_BIND=true (bind mounts) or PERSISTENT_STATE_BIND=false (overlays).';
const STATE_HINT =
  'Add a VOLUMES entry for the partition that holds it, e.g. VOLUMES="LABEL=COS_PERSISTENT:/usr/local".';

/** A path or volume with where it came from: `input` is text that occurs literally in the input. */
interface Item<T> {
  value: T;
  input: string;
  /** `<file>:<line> <VARIABLE>`, or `the default RW_PATHS`, or `the kernel cmdline`. */
  where: string;
  /** The variable it came from, named in hints. */
  key: string;
  /** The user wrote it, as opposed to the default RW_PATHS. */
  explicit: boolean;
  line?: string;
}

interface Problems {
  errors: Problem[];
  warnings: Problem[];
}

/** Decide the overlays, persistent binds and volumes from the layout files and the cmdline. */
export function decideLayout(config: BootConfig, files: LayoutFiles): Validated<Layout> {
  const out: Problems = {errors: [], warnings: []};
  const env = readEnv(files.layout, LAYOUT_FILE, out);
  const extra = readEnv(files.extra, EXTRA_LAYOUT_FILE, out);
  for (const e of extra.values()) {
    if (EXTRA_KEYS.includes(e.key)) continue;
    const msg = `${e.file}:${e.lineNo}: ${e.key} is not read from extra-layout.env, ignoring.`;
    const hint = `Set ${e.key} in ${LAYOUT_FILE}; this file adds only ${EXTRA_KEYS.join(' and ')}.`;
    out.warnings.push(warning(e.line, msg, hint));
  }
  const rwEntry = env.get('RW_PATHS');
  const rw = dedupe([
    ...(rwEntry?.value.trim()
      ? pathItems(rwEntry, 'ephemeral', out)
      : DEFAULT_RW_PATHS.map((p) => ({value: p, input: p, where: 'the default RW_PATHS', ...DEFAULT_RW}))),
    ...pathItems(env.get('CUSTOM_EPHEMERAL_MOUNTS'), 'ephemeral', out),
  ]);
  const persistent = dedupe([
    ...pathItems(env.get('PERSISTENT_STATE_PATHS'), 'persistent', out),
    ...pathItems(env.get('CUSTOM_BIND_MOUNTS'), 'persistent', out),
    ...EXTRA_KEYS.flatMap((k) => pathItems(extra.get(k), 'persistent', out)),
  ]);
  const volumes = mergeVolumes([...cmdlineVolumes(config), ...fileVolumes(env.get('VOLUMES'), out)], out);

  for (const p of persistent.values()) {
    const msg = (w: string) => `is both ephemeral (${w}) and persistent (${p.where}); keeping it persistent`;
    dropRw(rw, p.value, p, msg, out);
  }
  const sorted = [...persistent.values()].sort((a, b) => compareMountOrder(a.value, b.value));
  for (const child of sorted) {
    // Walk up the child's ancestors (a few each) rather than across all paths: 1,000 persistent
    // paths must stay well inside the boot's millisecond budget.
    const parent = ancestorsOf(child.value)
      .map((a) => persistent.get(a))
      .find((p) => p !== undefined);
    if (!parent) continue;
    const msg = `${child.where}: persistent path ${child.value} lies below persistent path ${parent.value} (${parent.where}); its state is kept apart from ${parent.value}'s.`;
    const hint = `List only ${parent.value} unless ${child.value} needs its own state dir.`;
    out.warnings.push(warning(child.input, msg, hint));
  }
  for (const v of volumes) {
    const msg = (w: string) =>
      `is an RW path (${w}) and the mountpoint of volume ${v.input} (${v.where}); the volume wins`;
    dropRw(rw, v.value.mountpoint, v, msg, out);
  }

  const targetEntry = env.get('PERSISTENT_STATE_TARGET');
  const decide = <T>(...args: Parameters<typeof decideDotenvValue<T>>) => {
    const v = decideDotenvValue(...args);
    out.errors.push(...v.errors);
    return v.value;
  };
  const layout: Layout = {
    rwPaths: [...rw.keys()].sort(compareMountOrder),
    persistentPaths: sorted.map((p) => p.value),
    persistentTarget: decide(targetEntry, DEFAULT_TARGET, parseTarget, TARGET_HINT),
    persistentBind: decide(env.get('PERSISTENT_STATE_BIND'), true, parseDotenvBool, BIND_HINT),
    volumes: volumes.map((v) => v.value),
    overlay: decide(env.get('OVERLAY'), config.overlay, parseOverlayBase, OVERLAY_HINT),
  };
  const overlayEntry = env.get('OVERLAY');
  if (overlayEntry?.value.trim() && layout.overlay !== config.overlay) layout.overlayLine = overlayEntry.line;
  const stateLine = sorted[0] && (targetEntry?.line ?? sorted[0].line);
  if (stateLine !== undefined) checkStateTarget(layout, stateLine, out);
  return {value: layout, ...out};
}

function parseTarget(value: string): Parsed<string> {
  const norm = normalizePath(value);
  return norm.ok ? {ok: true, value: norm.path} : norm;
}

/** Persistent state must sit on a volume, or it is lost at reboot (or cannot be written at all). */
function checkStateTarget(layout: Layout, input: string, out: Problems): void {
  const target = layout.persistentTarget;
  if (layout.volumes.some((v) => isSameOrBelow(target, v.mountpoint))) return;
  const onRw = layout.rwPaths.some((p) => isSameOrBelow(target, p));
  if (onRw && layout.overlay.kind === 'device') return;
  const fate = onRw
    ? 'lives on the tmpfs overlay and is lost at reboot'
    : 'would be on the read-only root image, where its dirs cannot be created';
  const msg = `PERSISTENT_STATE_TARGET ${target} is on no volume: the persistent state ${fate}.`;
  out.warnings.push(warning(input, msg, STATE_HINT));
}

function readEnv(text: string | undefined, file: string, out: Problems): Map<string, DotenvEntry> {
  if (text === undefined) return new Map();
  const parsed = parseDotenvEntries(text, file);
  out.errors.push(...parsed.errors);
  return parsed.entries;
}

/** The words of a value, each with the exact input to name: the word as written, else the whole line. */
function words(e: DotenvEntry): Array<{word: string; input: string}> {
  const list = e.value.split(/\s+/).filter((w) => w !== '');
  // When the value stands in the line as written, so does each of its words.
  const verbatim = e.line.includes(e.value);
  return list.map((word) => ({word, input: verbatim || e.line.includes(word) ? word : e.line}));
}

function pathItems(e: DotenvEntry | undefined, kind: string, out: Problems): Item<string>[] {
  if (!e) return [];
  const where = `${e.file}:${e.lineNo} ${e.key}`;
  const example = `e.g. ${e.key}="/etc/ssh /var/log"`;
  const items: Item<string>[] = [];
  for (const {word, input} of words(e)) {
    const norm = normalizePath(word);
    if (!norm.ok) {
      const hint = `Write absolute ${kind} paths separated by spaces, ${example}.`;
      out.errors.push(error(input, `${where}: path "${word}" ${norm.reason}.`, hint));
    } else if (norm.path === '/') {
      const msg = `${where}: path "${word}" would make the whole root ${kind}.`;
      out.errors.push(error(input, msg, `Remove "${word}" and list the directories instead, ${example}.`));
    } else items.push({value: norm.path, input, where, key: e.key, explicit: true, line: e.line});
  }
  return items;
}

/** By path, first one kept, except that a path the user wrote replaces the same default path. */
function dedupe(items: Item<string>[]): Map<string, Item<string>> {
  const byPath = new Map<string, Item<string>>();
  for (const it of items) {
    const had = byPath.get(it.value);
    if (!had || (!had.explicit && it.explicit)) byPath.set(it.value, it);
  }
  return byPath;
}

/**
 * Take `path` out of the RW paths because `winner` claims it. The user's own RW path is an error;
 * one from the default list is only a warning, since the user never asked for it.
 */
function dropRw<T>(
  rw: Map<string, Item<string>>,
  path: string,
  winner: Item<T>,
  msg: (rwWhere: string) => string,
  out: Problems,
) {
  const r = rw.get(path);
  if (!r) return;
  rw.delete(path);
  const text = `${path} ${msg(r.where)}`;
  if (r.explicit) out.errors.push(error(r.input, `${text}.`, `Remove ${r.input} from ${r.key}.`));
  else
    out.warnings.push(
      warning(
        winner.input,
        `${text}.`,
        `Set RW_PATHS to the paths to keep ephemeral, without ${path}, e.g. RW_PATHS="/etc /var".`,
      ),
    );
}

/** `rd.immucore.mount` volumes, each named by the cmdline token it came from. */
function cmdlineVolumes(config: BootConfig): Item<Volume>[] {
  const tokens = config.raw.split(/\s+/);
  return config.mounts.map((v) => {
    const token = tokens.findLast((t) => {
      const m = /^rd\.(?:immucore|cos)\.mount=(.*)$/.exec(t);
      const p = m ? parseVolume(m[1] ?? '') : undefined;
      return p?.ok === true && p.value.device === v.device && p.value.mountpoint === v.mountpoint;
    });
    const input = token ?? `rd.immucore.mount=${v.device}:${v.mountpoint}`;
    return {value: v, input, where: 'the kernel cmdline', key: 'rd.immucore.mount', explicit: true};
  });
}

function fileVolumes(e: DotenvEntry | undefined, out: Problems): Item<Volume>[] {
  if (!e) return [];
  const where = `${e.file}:${e.lineNo} VOLUMES`;
  const items: Item<Volume>[] = [];
  for (const {word, input} of words(e)) {
    const v = parseVolume(word);
    if (v.ok) items.push({value: v.value, input, where, key: 'VOLUMES', explicit: true});
    else out.errors.push(error(input, `${where}: volume "${word}" ${v.reason}.`, VOLUME_HINT));
  }
  return items;
}

/** Later sources win: per device (the volume moves), and per mountpoint (the other device is dropped). */
function mergeVolumes(items: Item<Volume>[], out: Problems): Item<Volume>[] {
  let merged: Item<Volume>[] = [];
  for (const it of items) {
    const {device, mountpoint} = it.value;
    const moved = merged.find((o) => o.value.device === device && o.value.mountpoint !== mountpoint);
    if (moved) {
      const msg = `${it.where}: volume ${it.input} moves ${device} from ${moved.value.mountpoint} (${moved.where}); ignoring the earlier one.`;
      out.warnings.push(warning(it.input, msg, `Give ${device} one mountpoint.`));
    }
    const other = merged.find((o) => o.value.mountpoint === mountpoint && o.value.device !== device);
    if (other) {
      const msg = `${it.where}: volume ${it.input} and volume ${other.input} (${other.where}) both mount on ${mountpoint}; keeping ${device}.`;
      out.errors.push(error(it.input, msg, `Mount one device on ${mountpoint}. ${VOLUME_HINT}`));
    }
    merged = merged.filter((o) => o.value.device !== device && o.value.mountpoint !== mountpoint);
    merged.push(it);
  }
  return merged;
}

/** `/a/b/c` → `/a/b`, `/a` (nearest first). */
function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let at = path.lastIndexOf('/'); at > 0; at = path.lastIndexOf('/', at - 1))
    out.push(path.slice(0, at));
  return out;
}
