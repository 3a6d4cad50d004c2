// The `protect` / `prefer` / `soft_actions` rules as nohang's `@` lines. nohang matches them with
// Python's `re`, so a pattern is checked the way both engines agree on, and written so nohang's
// line parser reads it back unchanged.
import type {BadnessMatch, PolicyRule, SoftActionMatch} from './policy.ts';

const BADNESS_KEY: Record<BadnessMatch, string> = {
  name: '@BADNESS_ADJ_RE_NAME',
  cmdline: '@BADNESS_ADJ_RE_CMDLINE',
  cgroup: '@BADNESS_ADJ_RE_CGROUP_V2',
  cgroup_v1: '@BADNESS_ADJ_RE_CGROUP_V1',
  realpath: '@BADNESS_ADJ_RE_REALPATH',
};

const SOFT_ACTION_KEY: Record<SoftActionMatch, string> = {
  name: '@SOFT_ACTION_RE_NAME',
  cgroup: '@SOFT_ACTION_RE_CGROUP_V2',
  cgroup_v1: '@SOFT_ACTION_RE_CGROUP_V1',
};

export const ADJ_RANGE = {min: -1000, max: 1000} as const;

/** Why nohang could not use `pattern` (undefined when it can). */
export function checkPattern(pattern: string, opts: {softAction?: boolean} = {}): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  if (/[\n\r]/.test(pattern)) return 'spans lines';
  if (pattern !== pattern.trim()) return 'starts or ends with blanks, which nohang strips';
  if (opts.softAction && pattern.includes('///')) return "contains ///, nohang's separator";
  // Python spells named groups (?P<name>…) and refuses JavaScript's (?<name>…).
  if (/\(\?<(?![=!])/.test(pattern)) return 'uses (?<name>…), which Python (nohang) does not read';
  try {
    new RegExp(pattern.replaceAll('(?P<', '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'));
    return undefined;
  } catch (err) {
    return `is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
}

/** Why a command cannot be a soft action (undefined when it can). */
export function checkCommand(command: string): string | undefined {
  if (command.trim() === '') return 'is empty';
  if (/[\n\r]/.test(command)) return 'spans lines';
  return undefined;
}

/**
 * The rules as `@` lines, in order, duplicates dropped. nohang 0.2.0 also files every `@BADNESS_*`
 * line in its key table under the text before the line's first `=` and exits on a repeat, so two
 * cmdline rules such as `--type=renderer` and `--type=gpu` would stop it: a repeat gets one more
 * space before `///`, which nohang strips from the value but not from that key.
 */
export function renderRules(rules: readonly PolicyRule[]): string[] {
  const lines: string[] = [];
  const keys = new Set<string>();
  for (const rule of rules) {
    let line = renderRule(rule, '');
    if (lines.includes(line)) continue;
    if (rule.kind !== 'soft-action' && keys.has(nohangKeyOf(line))) {
      // A raw line with `=` before `///` cannot be told apart by padding: drop it.
      if (nohangKeyOf(renderRule(rule, ' ')) === nohangKeyOf(line)) continue;
      for (let pad = ' '; keys.has(nohangKeyOf(line)); pad += ' ') line = renderRule(rule, pad);
    }
    if (rule.kind !== 'soft-action') keys.add(nohangKeyOf(line));
    lines.push(line);
  }
  return lines;
}

function renderRule(rule: PolicyRule, pad: string): string {
  switch (rule.kind) {
    case 'badness':
      return `${BADNESS_KEY[rule.match]}  ${rule.adj}  ${pad}///  ${rule.pattern}`;
    case 'soft-action':
      return `${SOFT_ACTION_KEY[rule.match]}  ${rule.pattern}  ///  ${rule.command}`;
    case 'raw':
      return pad === '' ? rule.line : rule.line.replace('///', `${pad}///`);
  }
}

/** The key nohang files a non-soft-action `@` line under: the text before `=`, trimmed. */
function nohangKeyOf(line: string): string {
  const at = line.indexOf('=');
  return (at < 0 ? line : line.slice(0, at)).trim();
}
