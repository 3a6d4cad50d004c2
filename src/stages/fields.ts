// Typed reads of YAML nodes for the cloud-config validator. Files are parsed as YAML 1.1 (what yip's
// Go parser speaks): `0644` is octal and `yes`/`no` are booleans. A string field gets back the text
// as written, so `hostname: no` or `VOLUMES: 1:20` stay the strings their authors typed.
import {type Document, isAlias, isCollection, isMap, isScalar, isSeq, type LineCounter} from 'yaml';
import {error, type Problem, warning} from '../boot/problem.ts';

/** Where problems go, and how to name a node's place: `/oem/x.yaml:12:7`. */
/** A mapping entry: key, value node, key node. */
type Entry = [string, unknown, unknown];

export class FieldReader {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  private readonly merged = new WeakMap<object, Entry[]>();

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines?: LineCounter,
  ) {}

  /** The 1-based line of a node, when it was parsed from text. */
  lineOf(node: unknown): number | undefined {
    const range = (node as {range?: [number, number, number]} | null)?.range;
    if (!range || !this.lines) return undefined;
    return this.lines.linePos(range[0]).line;
  }

  where(node: unknown): string {
    const range = (node as {range?: [number, number, number]} | null)?.range;
    if (!range || !this.lines) return this.file;
    const {line, col} = this.lines.linePos(range[0]);
    return `${this.file}:${line}:${col}`;
  }

  fail(node: unknown, path: string, reason: string, hint: string): undefined {
    this.errors.push(error(path, `${this.where(node)}: ${path} ${reason}`, hint));
    return undefined;
  }

  warn(node: unknown, path: string, reason: string, hint: string): void {
    this.warnings.push(warning(path, `${this.where(node)}: ${path} ${reason}`, hint));
  }

  /** The node an alias (`*name`) points to; anything else as it is. */
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  isNull(node: unknown): boolean {
    const n = this.deref(node);
    return n === null || n === undefined || (isScalar(n) && n.value === null);
  }

  /**
   * A mapping's entries in order, YAML merge keys (`<<: *base`) folded in; undefined if not a map.
   * `merging` holds the maps being merged into this one: a map that merges itself (`&x {<<: *x}`)
   * is an error, not an endless recursion. A merged map is read once (`merged`): ten lines of maps
   * merging the one above ten times each would otherwise be read millions of times: a hang.
   */
  entries(
    node: unknown,
    path: string,
    what: string,
    merging: ReadonlySet<unknown> = new Set(),
  ): Entry[] | undefined {
    const n = this.deref(node);
    if (!isMap(n))
      return this.fail(node, path, `is ${describe(n)}, not ${what}`, `Write ${path} as a mapping.`);
    const own: Entry[] = [];
    const merged: Entry[] = [];
    const inner = new Set([...merging, n]);
    for (const pair of n.items) {
      const key = this.deref(pair.key);
      // An alias whose anchor the file never defines resolves to nothing: name it as written. A
      // mapping or list as a key (`{a: 1}: x`) cannot be turned into a string (yaml throws).
      const name = isScalar(key)
        ? String(key.source ?? key.value)
        : isAlias(pair.key) && key === undefined
          ? `*${pair.key.source}`
          : isCollection(key)
            ? `(${describe(key)} as a key)`
            : String(key);
      if (name !== '<<') {
        own.push([name, pair.value, pair.key]);
        continue;
      }
      const from = this.deref(pair.value);
      for (const src of isSeq(from) ? from.items : [from]) {
        const map = this.deref(src);
        if (inner.has(map)) {
          this.fail(
            pair.key,
            `${path}.<<`,
            'merges a mapping into itself',
            'Merge (<<: *name) another mapping.',
          );
          continue;
        }
        let got = isMap(map) ? this.merged.get(map) : undefined;
        if (!got) {
          got = this.entries(src, path, what, inner) ?? [];
          if (isMap(map)) this.merged.set(map, got);
        }
        for (const e of got) merged.push(e);
      }
    }
    // Own keys win over merged ones, and of merged ones the first (YAML's merge rule).
    const seen = new Set(own.map(([k]) => k));
    const out = [...own];
    for (const e of merged) {
      if (seen.has(e[0])) continue;
      seen.add(e[0]);
      out.push(e);
    }
    return out;
  }

  /** A sequence's items; undefined (and an error) if it is something else. */
  items(node: unknown, path: string, what: string): unknown[] | undefined {
    const n = this.deref(node);
    if (isSeq(n)) return n.items;
    return this.fail(node, path, `is ${describe(n)}, not a list of ${what}`, `Write ${path} as a list.`);
  }

  string(node: unknown, path: string): string | undefined {
    const n = this.deref(node);
    if (isScalar(n)) {
      if (n.value === null) return undefined;
      if (typeof n.value === 'string') return n.value;
      return n.source ?? String(n.value);
    }
    return this.fail(node, path, `is ${describe(n)}, not a string`, `Write ${path} as a quoted string.`);
  }

  /** A list of strings; a single string is taken as a one-item list, with a warning. */
  strings(node: unknown, path: string): string[] | undefined {
    if (this.isNull(node)) return [];
    const n = this.deref(node);
    if (isScalar(n)) {
      const one = this.string(n, path);
      if (one === undefined) return [];
      this.warn(
        node,
        path,
        'is a string, not a list; taking it as a list of one',
        `Write ${path}: ["${one}"].`,
      );
      return [one];
    }
    const items = this.items(node, path, 'strings');
    if (!items) return undefined;
    const out: string[] = [];
    for (const [i, item] of items.entries()) {
      const s = this.string(item, `${path}[${i}]`);
      if (s === undefined && !this.isNull(item)) return undefined;
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  boolean(node: unknown, path: string): boolean | undefined {
    const n = this.deref(node);
    if (isScalar(n)) {
      if (n.value === null) return false;
      if (typeof n.value === 'boolean') return n.value;
      const s = String(n.value);
      if (/^(true|yes|on|y)$/i.test(s)) return true;
      if (/^(false|no|off|n)$/i.test(s)) return false;
    }
    return this.fail(node, path, notA(n, 'a boolean'), `Write ${path}: true or ${path}: false.`);
  }

  /** A whole number ≥ 0 (a uid, gid); a string of digits counts. */
  count(node: unknown, path: string): number | undefined {
    const n = this.deref(node);
    if (isScalar(n)) {
      const v = typeof n.value === 'string' && /^\d+$/.test(n.value.trim()) ? Number(n.value) : n.value;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    }
    return this.fail(node, path, notA(n, 'a whole number ≥ 0'), `Write ${path}: 0 (a numeric id).`);
  }

  /**
   * A file mode. `0644` (YAML 1.1 octal) and `420` mean rw-r--r--. A plain `644` is decimal in
   * YAML, mode 1204 with the sticky bit: nobody means that, so digits that read as a mode with
   * special bits set are taken as octal, with a warning. Strings (`"0644"`, `"0o644"`) are octal.
   */
  mode(node: unknown, path: string): number | undefined {
    const n = this.deref(node);
    const hint = `Write ${path}: 0644 (octal, with the leading 0) or ${path}: "0644".`;
    if (isScalar(n) && typeof n.value === 'string') {
      const m = /^(?:0o?)?([0-7]{1,4})$/i.exec(n.value.trim());
      if (m?.[1]) return Number.parseInt(m[1], 8);
    } else if (isScalar(n) && typeof n.value === 'number' && Number.isInteger(n.value) && n.value >= 0) {
      const digits = n.source ?? String(n.value);
      if (n.value > 0o777 && /^[1-7][0-7]{2,3}$/.test(digits)) {
        this.warn(node, path, `${digits} is a decimal number; taking it as octal 0${digits}`, hint);
        return Number.parseInt(digits, 8);
      }
      if (n.value <= 0o7777) return n.value;
    }
    return this.fail(node, path, notA(n, 'a file mode'), hint);
  }

  /** Seconds > 0: `30`, `0.5`, `"90s"`, `"2m"`, `"500ms"`. */
  seconds(node: unknown, path: string): number | undefined {
    const n = this.deref(node);
    if (isScalar(n)) {
      if (typeof n.value === 'number' && n.value > 0) return n.value;
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(String(n.value).trim());
      if (m?.[1]) {
        const v = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
        if (v > 0) return v;
      }
    }
    return this.fail(node, path, notA(n, 'a duration'), `Write ${path}: 30 (seconds), or "2m".`);
  }

  /** A mapping of strings; nested mappings are joined with dots (`vm: {swappiness: 10}` → `vm.swappiness`). */
  stringMap(node: unknown, path: string, opts: {nested?: boolean} = {}): Array<[string, string]> | undefined {
    if (this.isNull(node)) return [];
    const entries = this.entries(node, path, 'a mapping of names to values');
    if (!entries) return undefined;
    const out: Array<[string, string]> = [];
    for (const [key, value] of entries) {
      const inner = this.deref(value);
      if (opts.nested && isMap(inner)) {
        const sub = this.stringMap(inner, `${path}.${key}`, opts);
        if (!sub) return undefined;
        out.push(...sub.map(([k, v]): [string, string] => [`${key}.${k}`, v]));
        continue;
      }
      const s = this.string(value, `${path}.${key}`);
      if (s === undefined && !this.isNull(value)) return undefined;
      out.push([key, s ?? '']);
    }
    return out;
  }
}

/** What a node is, for a message: `a list`, `a mapping`, `the number 3`, `empty`. */
export function describe(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) {
    if (node.value === null) return 'empty';
    if (typeof node.value === 'string') return `the string "${node.value}"`;
    return `${typeof node.value === 'boolean' ? 'the boolean' : 'the number'} ${node.source ?? String(node.value)}`;
  }
  return 'empty';
}

/** `"abc" is not X` for a scalar, `is a list, not X` for anything else. */
function notA(node: unknown, what: string): string {
  if (isScalar(node) && node.value !== null) return `"${node.source ?? String(node.value)}" is not ${what}`;
  return `is ${describe(node)}, not ${what}`;
}
