// The dotenv dialect of the layout files (SPEC §5), as shells and the rootfs stage write it:
// `KEY=value`, `export KEY=value`, `#` comments, single quotes (literal) and double quotes (escapes).
import {error, type Problem, type Validated} from './problem.ts';
import type {Parsed} from './volume.ts';

/** One assignment, with the line it came from, so later checks can name the exact input. */
export interface DotenvEntry {
  key: string;
  value: string;
  file: string;
  /** The line as written, trimmed. */
  line: string;
  lineNo: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXAMPLE = 'e.g. RW_PATHS="/etc /var"';

/** Parse a layout file into its assignments (a later duplicate wins); a malformed line is skipped. */
export function parseDotenvEntries(
  text: string,
  file: string,
): {entries: Map<string, DotenvEntry>; errors: Problem[]} {
  const entries = new Map<string, DotenvEntry>();
  const errors: Problem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = parseLine(line);
    const at = `${file}:${i + 1}`;
    if ('reason' in parsed) errors.push(error(line, `${at}: "${line}" ${parsed.reason}`, parsed.hint));
    else entries.set(parsed.key, {...parsed, file, line, lineNo: i + 1});
  });
  return {entries, errors};
}

/** The layout file as plain variables, for callers that don't need the line of each one. */
export function parseDotenv(text: string, file: string): Validated<Record<string, string>> {
  const {entries, errors} = parseDotenvEntries(text, file);
  const value = Object.fromEntries([...entries].map(([k, e]) => [k, e.value]));
  return {value, errors, warnings: []};
}

type LineResult = {key: string; value: string} | {reason: string; hint: string};

function parseLine(line: string): LineResult {
  const m = /^(?:export\s+)?([^=]*?)\s*=(.*)$/.exec(line);
  if (!m)
    return {
      reason: 'has no "="',
      hint: `Write KEY=value, ${EXAMPLE}, or start the line with # to comment it out.`,
    };
  const key = m[1] ?? '';
  if (!KEY.test(key)) {
    return {
      reason: `has an invalid variable name "${key}": use letters, digits and _, not starting with a digit`,
      hint: `Name the variable as the layout file does, ${EXAMPLE} or PERSISTENT_STATE_PATHS="/etc/ssh".`,
    };
  }
  const rest = m[2] ?? '';
  const start = rest.trimStart();
  if (start.startsWith("'") || start.startsWith('"')) return parseQuoted(key, start);
  // `#` starts a comment only after whitespace: `KEY=a#b` is the value `a#b`, as in a shell.
  const comment = /\s#/.exec(rest);
  return {key, value: (comment ? rest.slice(0, comment.index) : rest).trim()};
}

function parseQuoted(key: string, text: string): LineResult {
  const quote = text[0];
  let value = '';
  let i = 1;
  for (; i < text.length && text[i] !== quote; i++) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (quote === '"' && ch === '\\' && next !== undefined) {
      value += next === 'n' ? '\n' : '"\\$`'.includes(next) ? next : ch + next;
      i++;
    } else value += ch;
  }
  const kind = quote === '"' ? 'double' : 'single';
  if (i >= text.length) {
    return {
      reason: `has an unterminated ${kind} quote`,
      hint: `Close the quote on the same line, ${EXAMPLE}; a value cannot span lines.`,
    };
  }
  const after = text.slice(i + 1);
  if (after.trim() !== '' && !/^\s+#/.test(after)) {
    return {
      reason: `has text after the closing ${kind} quote`,
      hint: `Put the whole value inside the quotes, ${EXAMPLE}, and a comment after a space and #.`,
    };
  }
  return {key, value};
}

/** A one-value variable: unset or empty gives `fallback`; an invalid value is an error and gives it too. */
export function decideDotenvValue<T>(
  e: DotenvEntry | undefined,
  fallback: T,
  parse: (value: string) => Parsed<T>,
  hint: string,
): {value: T; errors: Problem[]} {
  const value = e?.value.trim();
  if (!e || !value) return {value: fallback, errors: []};
  const parsed = parse(value);
  if (parsed.ok) return {value: parsed.value, errors: []};
  const msg = `${e.file}:${e.lineNo}: ${e.key} "${value}" ${parsed.reason}; using the default.`;
  return {value: fallback, errors: [error(e.line, msg, hint)]};
}

/** A shell-style boolean: true/false, yes/no or 1/0, in any case. */
export function parseDotenvBool(value: string): Parsed<boolean> {
  if (/^(true|yes|1)$/i.test(value)) return {ok: true, value: true};
  if (/^(false|no|0)$/i.test(value)) return {ok: true, value: false};
  return {ok: false, reason: 'is not true/false, yes/no or 1/0'};
}
