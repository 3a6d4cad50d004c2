// The functions templates may call: Go text/template's builtins and the part of sprig that Kairos'
// configs and docs use, with sprig's argument order (the piped value last: `.x | trunc 4`).
import {createRequire} from 'node:module';
import {type FuncMap, formatValue, isMap, isTrue, MISSING} from './exec.ts';

// node:crypto on first use (sha256sum): loading it cost ~8 ms of every boot's CPU, template or not.
const nodeCrypto = (): typeof import('node:crypto') => createRequire(import.meta.url)('node:crypto');

const present = (v: unknown) => (v === MISSING ? undefined : v);

/** sprig's `empty`: what `default` replaces. */
function isEmpty(v: unknown): boolean {
  return !isTrue(present(v));
}

function str(v: unknown): string {
  v = present(v);
  return v === undefined || v === null ? '' : formatValue(v);
}

function toInt(v: unknown, fn: string): number {
  const x = present(v);
  const n = typeof x === 'string' ? Number.parseInt(x, 10) : Number(x ?? 0);
  if (Number.isNaN(n)) throw new Error(`${fn}: "${str(v)}" is not a number`);
  return Math.trunc(n);
}

function need(args: unknown[], n: number, fn: string): void {
  if (args.length !== n) throw new Error(`wrong number of args for ${fn}: want ${n} got ${args.length}`);
}

function compare(a: unknown, b: unknown, fn: string): number {
  a = present(a);
  b = present(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error(`${fn}: incompatible types for comparison`);
}

function equal(a: unknown, b: unknown): boolean {
  a = present(a) ?? null;
  b = present(b) ?? null;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) throw new Error('eq: incompatible types for comparison');
  return a === b;
}

/** Go's fmt.Sprintf for the verbs templates use: %s %v %d %q %x %X %f %t %%, width, precision, - and 0. */
export function sprintf(format: string, ...args: unknown[]): string {
  let n = 0;
  const out = format.replace(
    /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (_, flags: string, width?: string, prec?: string, verb?: string) => {
      if (verb === '%') return '%';
      if (n >= args.length) return `%!${verb}(MISSING)`;
      const a = present(args[n++]);
      let s: string;
      switch (verb) {
        case 's':
        case 'v':
          s = a === undefined || a === null ? '<nil>' : formatValue(a);
          if (prec !== undefined && verb === 's') s = s.slice(0, Number(prec));
          break;
        case 'd':
          if (typeof a !== 'number') return `%!d(${typeof a}=${str(a)})`;
          s = String(Math.trunc(a));
          break;
        case 'q':
          s = JSON.stringify(str(a));
          break;
        case 'x':
        case 'X':
          s = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(str(a)).toString('hex');
          if (verb === 'X') s = s.toUpperCase();
          break;
        case 'f':
          if (typeof a !== 'number') return `%!f(${typeof a}=${str(a)})`;
          s = a.toFixed(prec === undefined ? 6 : Number(prec));
          break;
        case 't':
          s = String(Boolean(a));
          break;
        default:
          return `%!${verb}(${str(a)})`;
      }
      const w = Number(width ?? 0);
      if (s.length >= w) return s;
      if (flags.includes('-')) return s.padEnd(w);
      if (flags.includes('0') && /[dfxX]/.test(verb ?? '')) {
        const neg = s.startsWith('-');
        return (neg ? '-' : '') + s.slice(neg ? 1 : 0).padStart(w - (neg ? 1 : 0), '0');
      }
      return s.padStart(w);
    },
  );
  return n < args.length ? `${out}%!(EXTRA ${args.slice(n).map(str).join(', ')})` : out;
}

function index(v: unknown, ...keys: unknown[]): unknown {
  let cur = present(v);
  for (const k of keys) {
    if (Array.isArray(cur) || typeof cur === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k))
        throw new Error(`cannot index a list with ${str(k)}`);
      if (k < 0 || k >= cur.length) throw new Error(`index out of range: ${k}`);
      cur = typeof cur === 'string' ? cur.charCodeAt(k) : cur[k];
    } else if (isMap(cur)) cur = Object.hasOwn(cur, str(k)) ? cur[str(k)] : MISSING;
    else if (cur === undefined || cur === null) throw new Error('index of untyped nil');
    else throw new Error(`can't index item of type ${typeof cur}`);
  }
  return cur;
}

function trunc(n: unknown, s: unknown): string {
  const t = str(s);
  const c = toInt(n, 'trunc');
  if (c < 0) return t.length + c > 0 ? t.slice(t.length + c) : t;
  return t.slice(0, c);
}

/** The functions, given the process environment `env` (for `env` and `expandenv`). */
export function templateFuncs(env: Readonly<Record<string, string | undefined>>): FuncMap {
  return {
    // Go builtins
    and: () => undefined, // handled in exec (it needs every argument first)
    or: () => undefined,
    not: fixed(1, 'not', (...a) => !isTrue(a[0])),
    len: (...a) => {
      need(a, 1, 'len');
      const v = present(a[0]);
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isMap(v)) return Object.keys(v).length;
      throw new Error(`len of ${v === undefined || v === null ? 'nil' : typeof v}`);
    },
    index: (v, ...keys) => index(v, ...keys),
    print: (...a) => a.map(str).join(''),
    println: (...a) => `${a.map(str).join(' ')}\n`,
    printf: (f, ...a) => sprintf(str(f), ...a),
    eq: (a, ...b) => {
      if (b.length === 0) throw new Error('missing argument for comparison');
      return b.some((x) => equal(a, x));
    },
    ne: fixed(2, 'ne', (...a) => !equal(a[0], a[1])),
    lt: fixed(2, 'lt', (...a) => compare(a[0], a[1], 'lt') < 0),
    le: fixed(2, 'le', (...a) => compare(a[0], a[1], 'le') <= 0),
    gt: fixed(2, 'gt', (...a) => compare(a[0], a[1], 'gt') > 0),
    ge: fixed(2, 'ge', (...a) => compare(a[0], a[1], 'ge') >= 0),
    // sprig: strings
    trunc: fixed(2, 'trunc', (...a) => trunc(a[0], a[1])),
    default: (...a) => {
      if (a.length < 1 || a.length > 2)
        throw new Error(`wrong number of args for default: want 1 or 2 got ${a.length}`);
      return a.length === 1 || isEmpty(a[1]) ? a[0] : a[1];
    },
    empty: fixed(1, 'empty', (...a) => isEmpty(a[0])),
    coalesce: (...a) => a.find((x) => !isEmpty(x)),
    ternary: fixed(3, 'ternary', (...a) => (isTrue(a[2]) ? a[0] : a[1])),
    lower: fixed(1, 'lower', (...a) => str(a[0]).toLowerCase()),
    upper: fixed(1, 'upper', (...a) => str(a[0]).toUpperCase()),
    title: fixed(1, 'title', (...a) =>
      str(a[0]).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_, p, c) => p + c.toUpperCase()),
    ),
    replace: fixed(3, 'replace', (...a) => str(a[2]).replaceAll(str(a[0]), str(a[1]))),
    trim: fixed(1, 'trim', (...a) => str(a[0]).trim()),
    trimAll: fixed(2, 'trimAll', (...a) => trimChars(str(a[1]), str(a[0]))),
    trimPrefix: fixed(2, 'trimPrefix', (...a) =>
      str(a[1]).startsWith(str(a[0])) ? str(a[1]).slice(str(a[0]).length) : str(a[1]),
    ),
    trimSuffix: fixed(2, 'trimSuffix', (...a) =>
      str(a[0]) && str(a[1]).endsWith(str(a[0])) ? str(a[1]).slice(0, -str(a[0]).length) : str(a[1]),
    ),
    nospace: fixed(1, 'nospace', (...a) => str(a[0]).replace(/\s+/g, '')),
    repeat: fixed(2, 'repeat', (...a) => str(a[1]).repeat(Math.max(0, toInt(a[0], 'repeat')))),
    substr: (...a) => {
      need(a, 3, 'substr');
      const s = str(a[2]);
      const start = toInt(a[0], 'substr');
      const end = toInt(a[1], 'substr');
      if (start < 0) return s.slice(0, end);
      if (end < 0 || end > s.length) return s.slice(start);
      return s.slice(start, end);
    },
    contains: fixed(2, 'contains', (...a) => str(a[1]).includes(str(a[0]))),
    hasPrefix: fixed(2, 'hasPrefix', (...a) => str(a[1]).startsWith(str(a[0]))),
    hasSuffix: fixed(2, 'hasSuffix', (...a) => str(a[1]).endsWith(str(a[0]))),
    quote: (...a) =>
      a
        .filter((x) => present(x) !== undefined && x !== null)
        .map((x) => JSON.stringify(str(x)))
        .join(' '),
    squote: (...a) =>
      a
        .filter((x) => present(x) !== undefined && x !== null)
        .map((x) => `'${str(x)}'`)
        .join(' '),
    cat: (...a) =>
      a
        .filter((x) => present(x) !== undefined && x !== null)
        .map(str)
        .join(' '),
    indent: fixed(2, 'indent', (...a) => indent(toInt(a[0], 'indent'), str(a[1]))),
    nindent: fixed(2, 'nindent', (...a) => `\n${indent(toInt(a[0], 'nindent'), str(a[1]))}`),
    toString: fixed(1, 'toString', (...a) => str(a[0])),
    toJson: fixed(1, 'toJson', (...a) => JSON.stringify(present(a[0]) ?? null)),
    int: fixed(1, 'int', (...a) => toInt(a[0], 'int')),
    add: (...a) => a.reduce((s: number, x) => s + toInt(x, 'add'), 0),
    sub: fixed(2, 'sub', (...a) => toInt(a[0], 'sub') - toInt(a[1], 'sub')),
    b64enc: fixed(1, 'b64enc', (...a) => Buffer.from(str(a[0])).toString('base64')),
    b64dec: fixed(1, 'b64dec', (...a) => Buffer.from(str(a[0]), 'base64').toString('utf8')),
    sha256sum: fixed(1, 'sha256sum', (...a) =>
      nodeCrypto().createHash('sha256').update(str(a[0])).digest('hex'),
    ),
    regexMatch: fixed(2, 'regexMatch', (...a) => new RegExp(str(a[0])).test(str(a[1]))),
    regexReplaceAll: fixed(3, 'regexReplaceAll', (...a) =>
      str(a[1]).replace(new RegExp(str(a[0]), 'g'), str(a[2]).replace(/\$\{?(\d+)\}?/g, '$$$1')),
    ),
    // sprig: lists and maps
    list: (...a) => a.map(present),
    join: fixed(2, 'join', (...a) => toList(a[1]).map(str).join(str(a[0]))),
    split: (...a) => {
      need(a, 2, 'split');
      return Object.fromEntries(
        str(a[1])
          .split(str(a[0]))
          .map((p, i) => [`_${i}`, p]),
      );
    },
    splitList: fixed(2, 'splitList', (...a) => str(a[1]).split(str(a[0]))),
    first: fixed(1, 'first', (...a) => toList(a[0])[0]),
    last: fixed(1, 'last', (...a) => toList(a[0]).at(-1)),
    has: fixed(2, 'has', (...a) => toList(a[1]).some((x) => x === present(a[0]))),
    dict: (...a) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < a.length; i += 2) out[str(a[i])] = present(a[i + 1]) ?? '';
      return out;
    },
    get: fixed(2, 'get', (...a) => (isMap(a[0]) && Object.hasOwn(a[0], str(a[1])) ? a[0][str(a[1])] : '')),
    hasKey: fixed(2, 'hasKey', (...a) => isMap(a[0]) && Object.hasOwn(a[0], str(a[1]))),
    keys: (...a) => a.flatMap((m) => (isMap(m) ? Object.keys(m) : [])).sort(),
    // sprig: the environment
    env: fixed(1, 'env', (...a) => env[str(a[0])] ?? ''),
    expandenv: fixed(1, 'expandenv', (...a) =>
      str(a[0]).replace(/\$(\w+)|\$\{(\w+)\}/g, (_, x, y) => env[x ?? y] ?? ''),
    ),
  };
}

function toList(v: unknown): unknown[] {
  const x = present(v);
  if (Array.isArray(x)) return x;
  if (x === undefined || x === null) return [];
  throw new Error(`cannot use ${typeof x} as a list`);
}

function trimChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a] as string)) a++;
  while (b > a && chars.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(Math.max(0, n));
  return pad + s.replaceAll('\n', `\n${pad}`);
}

/** A function of exactly `n` arguments, as Go checks a call's arity. */
function fixed(n: number, name: string, fn: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
  return (...a) => {
    need(a, n, name);
    return fn(...a);
  };
}
