// One nohang setting from what a cloud-config says (`5%`, `64M`, `true`, `30s`) to nohang's own
// spelling (`5 %`, `64 M`, `True`, `30`), checked against the range nohang 0.2.0 accepts. An
// error names the value and the range; the caller adds the key and where it was written.
import {type KeyRange, NOHANG_VERSION, rangeOf} from './nohang-keys.ts';

export type Checked = {ok: true; value: string} | {ok: false; reason: string; hint: string};

const KIB_PER_MIB = 1024;

/** Normalize and check `raw` for nohang key `key`; `memTotalKiB` converts `M` thresholds to a share of RAM. */
export function normalizeSetting(key: string, raw: unknown, memTotalKiB?: number): Checked {
  const range = rangeOf(key);
  if (!range) return {ok: false, reason: `is not a nohang ${NOHANG_VERSION} setting`, hint: 'Remove it.'};
  const text = typeof raw === 'string' ? raw.trim() : String(raw);
  const bad = (why: string): Checked => ({
    ok: false,
    reason: `"${text}" ${why}: nohang ${NOHANG_VERSION} accepts ${describeRange(range)}`,
    hint: hintFor(range),
  });
  switch (range.type) {
    case 'bool': {
      if (raw === true || /^(true|yes|on)$/i.test(text)) return {ok: true, value: 'True'};
      if (raw === false || /^(false|no|off)$/i.test(text)) return {ok: true, value: 'False'};
      return bad('is not a boolean');
    }
    case 'enum':
      return range.values.includes(text) ? {ok: true, value: text} : bad('is not a valid value');
    case 'string':
      return /[\n\r]/.test(text) ? bad('spans lines') : {ok: true, value: text};
    case 'float':
    case 'int': {
      const m = /^(-?\d+(?:\.\d+)?|-?\.\d+)\s*(s)?$/.exec(text);
      const n = m?.[1] !== undefined ? Number(m[1]) : Number.NaN;
      if (!Number.isFinite(n) || (range.type === 'int' && !Number.isInteger(n)))
        return bad('is not a number');
      if (n < range.min || (range.type === 'float' && range.max !== undefined && n > range.max))
        return bad('is out of range');
      return {ok: true, value: formatNumber(n)};
    }
    case 'share':
    case 'swap': {
      const t = parseThreshold(text);
      if (!t) return bad(typeof raw === 'number' ? 'has no unit (% or M)' : 'is not a threshold');
      const max = range.type === 'share' ? range.max : 100;
      const min = range.type === 'share' ? range.min : 0;
      if (t.unit === '%' && (t.n < min || t.n > max)) return bad('is out of range');
      if (t.unit === 'M' && range.type === 'share' && memTotalKiB !== undefined) {
        const pct = ((t.n * KIB_PER_MIB) / memTotalKiB) * 100;
        if (pct < min || pct > max)
          return bad(`is ${formatNumber(round2(pct))} % of RAM (${mib(memTotalKiB)} MiB), out of range`);
      }
      return {ok: true, value: `${formatNumber(t.n)} ${t.unit}`};
    }
  }
}

/** `5%`, `5 %`, `64M`, `64 MiB`, `1G`, `1 GiB` → a number of % or of MiB. */
export function parseThreshold(text: string): {n: number; unit: '%' | 'M'} | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(%|M|MiB|G|GiB)$/.exec(text.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const n = Number(m[1]);
  if (m[2] === '%') return {n, unit: '%'};
  return {n: m[2].startsWith('G') ? n * 1024 : n, unit: 'M'};
}

/** A threshold in nohang's spelling (`5 %`, `64 M`) in KiB of a machine with `memTotalKiB`. */
export function thresholdKiB(value: string, memTotalKiB: number): number | undefined {
  const t = parseThreshold(value);
  if (!t) return undefined;
  return t.unit === '%' ? (t.n / 100) * memTotalKiB : t.n * KIB_PER_MIB;
}

/** What nohang accepts for a key, as a message says it. */
export function describeRange(range: KeyRange): string {
  switch (range.type) {
    case 'bool':
      return 'true or false';
    case 'string':
      return 'one line of text';
    case 'enum':
      return `one of ${range.values.join(', ')}`;
    case 'int':
      return `whole numbers from ${range.min}`;
    case 'float':
      return range.max === undefined ? `numbers from ${range.min}` : `${range.min} to ${range.max}`;
    case 'share':
      return `${range.min} % to ${range.max} % of RAM (a size in M counts as its share of RAM)`;
    case 'swap':
      return '0 % to 100 % of swap, or a size in M';
  }
}

function hintFor(range: KeyRange): string {
  switch (range.type) {
    case 'bool':
      return 'Write true or false.';
    case 'string':
      return 'Write the value on one line.';
    case 'enum':
      return `Write one of ${range.values.join(', ')}.`;
    case 'int':
      return `Write a whole number from ${range.min}, e.g. ${range.min}.`;
    case 'float':
      return range.max === undefined
        ? `Write a number from ${range.min}, e.g. ${Math.max(range.min, 10)}.`
        : `Write a number from ${range.min} to ${range.max}, e.g. ${Math.min(range.max, 40)}.`;
    case 'share':
      return `Write a share of RAM from ${range.min}% to ${range.max}%, e.g. ${Math.max(range.min, 5)}%, or a size such as 64M.`;
    case 'swap':
      return 'Write a share of swap such as 10%, or a size such as 256M.';
  }
}

export function formatNumber(n: number): string {
  return String(Number(n.toFixed(4)));
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function mib(kib: number): number {
  return round2(kib / KIB_PER_MIB);
}
