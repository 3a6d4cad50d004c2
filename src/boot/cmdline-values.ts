// The small value parsers behind parseCmdline (SPEC §2): tokens, flags, seconds, and the "did you
// mean" lookup for a misspelt stanza name.
import type {Parsed} from './volume.ts';

/** One whitespace-separated cmdline word, split at its first `=`; `value` is undefined when bare. */
export interface Token {
  text: string;
  key: string;
  value: string | undefined;
  /** Position among the tokens, so problems are listed in cmdline order. */
  at: number;
}

// The kernel splits on ASCII whitespace only, so a no-break space stays inside a token.
const SPACE = /[ \t\n\v\f\r]+/;

/** Split the cmdline into tokens, without quoting (SPEC §2). */
export function parseTokens(text: string): Token[] {
  return text
    .split(SPACE)
    .filter((t) => t !== '')
    .map((text, at) => {
      const eq = text.indexOf('=');
      if (eq < 0) return {text, key: text, value: undefined, at};
      return {text, key: text.slice(0, eq), value: text.slice(eq + 1), at};
    });
}

/** The value of a `key=value` stanza, refusing a bare key and an empty value. */
export function parseRequired(value: string | undefined): Parsed<string> {
  if (value === undefined) return {ok: false, reason: 'is missing'};
  if (value === '') return {ok: false, reason: 'is empty'};
  return {ok: true, value};
}

const FLAG_VALUES = new Map<string, boolean>([
  ['1', true],
  ['yes', true],
  ['true', true],
  ['0', false],
  ['no', false],
  ['false', false],
]);

/** A flag: bare means on; `=1/0/yes/no/true/false` (any case) set it explicitly. */
export function parseFlag(value: string | undefined): Parsed<boolean> {
  if (value === undefined) return {ok: true, value: true};
  if (value === '') return {ok: false, reason: 'is empty'};
  const on = FLAG_VALUES.get(value.toLowerCase());
  if (on === undefined) return {ok: false, reason: `"${value}" is not one of 1, 0, yes, no, true, false`};
  return {ok: true, value: on};
}

/** Whole seconds, 0 or more. */
export function parseSeconds(value: string | undefined): Parsed<number> {
  const v = parseRequired(value);
  if (!v.ok) return v;
  if (/^-\d+$/.test(v.value)) return {ok: false, reason: 'is negative'};
  if (!/^\d+$/.test(v.value)) return {ok: false, reason: 'is not a whole number of seconds'};
  const n = Number(v.value);
  if (!Number.isSafeInteger(n)) return {ok: false, reason: 'is too large'};
  return {ok: true, value: n};
}

/**
 * Turn a reason into a clause: the volume parsers return both "has no mountpoint" and
 * `"x" is not a size`, and messages read `…: the value has no mountpoint`.
 */
export function because(reason: string): string {
  return /^(is|has|contains|would)\b/.test(reason) ? `the value ${reason}` : reason;
}

export {closestName, editDistance} from '../util/closest-name.ts';
