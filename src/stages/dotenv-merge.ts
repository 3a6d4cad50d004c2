// `environment` + `environment_file`: set keys in a dotenv file and keep everything else in it
// (other keys, comments, even lines we cannot parse), so two configs can each add their keys.
import {parseDotenvEntries} from '../boot/dotenv.ts';

/** `KEY="value"`, quoted so that our dotenv reader and a shell's `.` both read the value back. */
export function renderDotenvLine(key: string, value: string): string {
  return `${key}="${value.replace(/[\\"$`]/g, '\\$&').replaceAll('\n', '\\n')}"`;
}

/**
 * The file's text with `values` set: a key's last assignment is rewritten in place, its earlier
 * ones dropped, a new key appended; every other line is kept as it was.
 */
export function mergeDotenv(text: string, values: ReadonlyArray<[string, string]>, file: string): string {
  const wanted = new Map(values);
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const keyOf = (line: string) => [...parseDotenvEntries(line, file).entries.keys()][0];
  const last = new Map<string, number>();
  lines.forEach((line, i) => {
    const key = keyOf(line);
    if (key !== undefined && wanted.has(key)) last.set(key, i);
  });
  const out: string[] = [];
  lines.forEach((line, i) => {
    const key = keyOf(line);
    if (key === undefined || !wanted.has(key)) out.push(line);
    else if (last.get(key) === i) out.push(renderDotenvLine(key, wanted.get(key) as string));
  });
  for (const [key, value] of wanted) if (!last.has(key)) out.push(renderDotenvLine(key, value));
  return `${out.join('\n')}\n`;
}
