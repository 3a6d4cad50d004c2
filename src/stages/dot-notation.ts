// The cmdline's dot notation (`stages.initramfs[0].commands[0]=echo`) as the same structure a
// cloud-config file has. Values stay strings; the validator reads `0644` or `30` where a field
// wants a mode or a number.
import type {DotPair} from '../boot/boot-config.ts';
import {error, type Problem} from '../boot/problem.ts';

type Segment = string | number;
type Tree = {[key: string]: TreeValue};
type TreeValue = string | Tree | TreeValue[];

const HINT = 'Write stages.<stage>[<n>].<directive>=<value>, e.g. stages.initramfs[0].hostname=node-1.';

/** Build the config object from the pairs in cmdline order; a pair that does not fit is an error. */
export function parseDotNotation(pairs: DotPair[]): {data: Tree; errors: Problem[]} {
  const data: Tree = {};
  const errors: Problem[] = [];
  for (const {key, value} of pairs) {
    const token = `${key}=${value}`;
    const path = parseDotKey(key);
    if (typeof path === 'string') {
      errors.push(error(token, `Dot-notation cloud-config "${token}": ${path}; ignoring it`, HINT));
      continue;
    }
    const why = assign(data, path, value.replace(/^"(.*)"$/, '$1'));
    if (why) errors.push(error(token, `Dot-notation cloud-config "${token}": ${why}; ignoring it`, HINT));
  }
  return {data: compact(data) as Tree, errors};
}

/**
 * `stages.rootfs.after[0].commands[0]` → `['stages', 'rootfs.after', 0, 'commands', 0]`: a stage's
 * `.before`/`.after` belongs to its name. `["a.b"]` quotes a key. A string is why it is malformed.
 */
export function parseDotKey(key: string): Segment[] | string {
  const out: Segment[] = [];
  const re = /\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\["([^"]*)"\]/y;
  let at = 0;
  while (at < key.length) {
    re.lastIndex = at;
    const m = re.exec(key);
    if (!m || (m[1] !== undefined && at > 0 && key[at] !== '.'))
      return `"${key.slice(at)}" is not a .name or [index]`;
    if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[1] ?? m[3]) as string);
    at = re.lastIndex;
  }
  if (out[0] === 'stages' && typeof out[1] === 'string' && (out[2] === 'before' || out[2] === 'after'))
    out.splice(1, 2, `${out[1]}.${out[2]}`);
  return out.length > 1 ? out : `"${key}" names no field`;
}

function assign(tree: Tree, path: Segment[], value: string): string | undefined {
  let node: Tree | TreeValue[] = tree;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    const isIndex = typeof seg === 'number';
    if (Array.isArray(node) !== isIndex)
      return `${describePath(path.slice(0, i))} is ${Array.isArray(node) ? 'a list' : 'a mapping'}, not ${isIndex ? 'a list' : 'a mapping'}`;
    const slot = node as Record<string | number, TreeValue | undefined>;
    if (last) {
      if (slot[seg] !== undefined && typeof slot[seg] !== 'string')
        return `${describePath(path)} already has fields`;
      slot[seg] = value;
      return undefined;
    }
    const next = slot[seg];
    if (typeof next === 'string')
      return `${describePath(path.slice(0, i + 1))} already has the value "${next}"`;
    if (next !== undefined) node = next;
    else {
      const made: Tree | TreeValue[] = typeof path[i + 1] === 'number' ? [] : {};
      slot[seg] = made;
      node = made;
    }
  }
  return undefined;
}

/** `stages.rootfs[0]` */
function describePath(path: Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'the top';
}

/** Lists without holes: `commands[1]` alone is the first command. */
function compact(v: TreeValue): TreeValue {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compact);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]));
}
