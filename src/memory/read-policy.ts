// A cloud-config's top-level `memory_policy:` block, read value by value: each setting checked
// against nohang's ranges, each rule's pattern checked, every problem naming the file, line, key,
// value and what is accepted. Only `memory_policy` is read; `stages:` belongs to the stages.
import {Document, isScalar, LineCounter, parseDocument} from 'yaml';
import {error, type Problem} from '../boot/problem.ts';
import {FieldReader} from '../stages/fields.ts';
import {
  BADNESS_MATCHES,
  type BadnessMatch,
  isPresetName,
  POLICY_FIELDS,
  type PolicyBlock,
  PREFER_ADJ,
  PRESETS,
  PROTECT_ADJ,
  SOFT_ACTION_MATCHES,
  type SoftActionMatch,
} from './policy.ts';
import {ADJ_RANGE, checkCommand, checkPattern} from './rules.ts';
import {normalizeSetting} from './values.ts';

export const BLOCK = 'memory_policy';
const GROUPS = ['mem', 'swap', 'zram', 'psi'];

export type ParsedFile = {block?: PolicyBlock; syntaxError?: Problem};

/** The block of a cloud-config file's text; no `block` when the file has none. */
export function parsePolicyFile(text: string, file: string, memTotalKiB?: number): ParsedFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, {version: '1.1', lineCounter: lines, prettyErrors: false});
  const [syntax] = doc.errors;
  if (syntax) {
    const {line, col} = lines.linePos(syntax.pos[0]);
    const at = `${file}:${line}:${col}`;
    const msg = `${at}: YAML syntax error; no ${BLOCK} read from this file`;
    return {syntaxError: error(at, msg, `Fix the YAML at line ${line} of ${file}.`)};
  }
  return readTop(new FieldReader(file, doc, lines), doc.contents, memTotalKiB);
}

/** A block given as data (tests, a JSON policy). */
export function policyFromData(data: unknown, file: string, memTotalKiB?: number): ParsedFile {
  const doc = new Document({[BLOCK]: data});
  return readTop(new FieldReader(file, doc), doc.contents, memTotalKiB);
}

function readTop(r: FieldReader, root: unknown, memTotalKiB?: number): ParsedFile {
  if (r.isNull(root)) return {};
  const top = new Map((r.entries(root, 'the file', 'a mapping') ?? []).map(([k, v]) => [k, v]));
  if (!top.has(BLOCK)) return {};
  const block: PolicyBlock = {file: r.file, settings: [], rules: [], errors: r.errors, warnings: r.warnings};
  const node = top.get(BLOCK);
  if (r.isNull(node)) return {block};
  new BlockReader(r, block, memTotalKiB).read(node);
  return {block};
}

class BlockReader {
  constructor(
    private readonly r: FieldReader,
    private readonly block: PolicyBlock,
    private readonly memTotalKiB?: number,
  ) {}

  read(node: unknown): void {
    const what = 'a mapping (preset, mem, swap, zram, psi, protect, prefer, soft_actions)';
    for (const [key, value, keyNode] of this.r.entries(node, BLOCK, what) ?? []) {
      const path = `${BLOCK}.${key}`;
      if (key === 'preset') this.readPreset(value, path);
      else if (GROUPS.includes(key)) this.readGroup(key, value, path);
      else if (key === 'protect' || key === 'prefer') this.readBadness(key, value, path);
      else if (key === 'soft_actions') this.readSoftActions(value, path);
      else
        this.fail(
          keyNode,
          path,
          `is not a ${BLOCK} key`,
          `Use preset, mem, swap, zram, psi, protect, prefer or soft_actions.`,
        );
    }
  }

  /** `subject` names the field in the message; `input` is what the user wrote (default: the same). */
  private fail(node: unknown, subject: string, reason: string, hint: string, input = subject): void {
    this.block.errors.push(error(input, `${this.r.where(node)}: ${subject} ${reason}`, hint));
  }

  private source(node: unknown): string {
    const line = this.r.lineOf(node);
    return line ? `${this.r.file}:${line}` : this.r.file;
  }

  private scalar(node: unknown): unknown {
    const n = this.r.deref(node);
    return isScalar(n) ? n.value : undefined;
  }

  private readPreset(node: unknown, path: string): void {
    const value = this.r.string(node, path);
    if (value === undefined) return;
    if (!isPresetName(value)) {
      const hint = `Write one of ${PRESETS.join(', ')}, e.g. ${path}: server.`;
      this.fail(node, path, `"${value}" is not a preset`, hint, `${path}: ${value}`);
      return;
    }
    this.block.preset = {value, input: `${path}: ${value}`, where: this.source(node)};
  }

  private readGroup(group: string, node: unknown, path: string): void {
    for (const [field, value, keyNode] of this.r.entries(node, path, 'a mapping') ?? []) {
      const key = POLICY_FIELDS[`${group}.${field}`];
      const fieldPath = `${path}.${field}`;
      const known = Object.keys(POLICY_FIELDS).filter((f) => f.startsWith(`${group}.`));
      if (!key) {
        const names = known.map((f) => f.slice(group.length + 1)).join(', ');
        this.fail(keyNode, fieldPath, `is not a ${path} key`, `Use ${names}.`);
        continue;
      }
      const raw = this.scalar(value);
      const checked =
        raw === undefined || raw === null ? undefined : normalizeSetting(key, raw, this.memTotalKiB);
      const subject = `${fieldPath} (${key})`;
      if (!checked) this.fail(value, subject, 'has no value', `Give ${fieldPath} a value or remove it.`);
      else if (!checked.ok)
        this.fail(value, subject, checked.reason, checked.hint, `${fieldPath}: ${String(raw)}`);
      else this.block.settings.push({key, value: checked.value, source: this.source(value)});
    }
  }

  private readBadness(list: 'protect' | 'prefer', node: unknown, path: string): void {
    const example = `${path}: ["^sshd$", {cmdline: "--my-daemon"}, {cgroup: "/system\\\\.slice/app\\\\.service$", adj: ${list === 'protect' ? -500 : 500}}]`;
    for (const [i, item] of (this.r.items(node, path, 'patterns') ?? []).entries()) {
      const at = `${path}[${i}]`;
      const bare = isScalar(this.r.deref(item));
      const fields = bare
        ? [['name', item] as [string, unknown]]
        : this.r.entries(item, at, 'a pattern or a mapping');
      if (!fields) continue;
      const matches = fields.filter(([k]) => (BADNESS_MATCHES as readonly string[]).includes(k));
      const unknown = fields.filter(([k]) => k !== 'adj' && !matches.some(([m]) => m === k));
      if (matches.length !== 1 || unknown.length > 0) {
        const why =
          unknown.length > 0
            ? `has unknown key ${unknown[0]?.[0]}`
            : 'needs exactly one of name, cmdline, cgroup, cgroup_v1, realpath';
        this.fail(item, at, why, `Write ${example}.`);
        continue;
      }
      const [match, patternNode] = matches[0] as unknown as [BadnessMatch, unknown];
      // A bare pattern is a name pattern; its problems name it as written (`protect[0]`), not `.name`.
      const pattern = this.pattern(patternNode, bare ? at : `${at}.${match}`, {});
      const adj = this.adj(
        fields.find(([k]) => k === 'adj')?.[1],
        `${at}.adj`,
        list === 'protect' ? PROTECT_ADJ : PREFER_ADJ,
      );
      if (pattern === undefined || adj === undefined) continue;
      this.block.rules.push({kind: 'badness', match, adj, pattern, source: this.source(patternNode)});
    }
  }

  private readSoftActions(node: unknown, path: string): void {
    const example = `${path}: [{name: "^myapp$", command: "systemctl restart myapp.service"}]`;
    for (const [i, item] of (this.r.items(node, path, 'actions') ?? []).entries()) {
      const at = `${path}[${i}]`;
      const fields = this.r.entries(item, at, 'a mapping (name or cgroup, and command)');
      if (!fields) continue;
      const matches = fields.filter(([k]) => (SOFT_ACTION_MATCHES as readonly string[]).includes(k));
      const commandNode = fields.find(([k]) => k === 'command')?.[1];
      const unknown = fields.filter(([k]) => k !== 'command' && !matches.some(([m]) => m === k));
      if (matches.length !== 1 || commandNode === undefined || unknown.length > 0) {
        const why =
          unknown.length > 0
            ? `has unknown key ${unknown[0]?.[0]}`
            : 'needs one of name, cgroup, cgroup_v1, and a command';
        this.fail(item, at, why, `Write ${example}.`);
        continue;
      }
      const [match, patternNode] = matches[0] as unknown as [SoftActionMatch, unknown];
      const pattern = this.pattern(patternNode, `${at}.${match}`, {softAction: true});
      const command = this.r.string(commandNode, `${at}.command`);
      const why = command === undefined ? undefined : checkCommand(command);
      if (why) this.fail(commandNode, `${at}.command`, why, `Write ${example}.`, `${at}.command: ${command}`);
      if (pattern === undefined || command === undefined || why) continue;
      this.block.rules.push({kind: 'soft-action', match, pattern, command, source: this.source(patternNode)});
    }
  }

  private pattern(node: unknown, path: string, opts: {softAction?: boolean}): string | undefined {
    const pattern = this.r.string(node, path);
    if (pattern === undefined) return undefined;
    const why = checkPattern(pattern, opts);
    if (!why) return pattern;
    const hint = 'Write a regular expression that Python and JavaScript both read, e.g. ^sshd$.';
    this.fail(node, path, `"${pattern}" ${why}`, hint, `${path}: ${pattern}`);
    return undefined;
  }

  private adj(node: unknown, path: string, fallback: number): number | undefined {
    if (node === undefined) return fallback;
    const raw = this.scalar(node);
    const n = typeof raw === 'number' ? raw : Number(String(raw));
    if (Number.isInteger(n) && n >= ADJ_RANGE.min && n <= ADJ_RANGE.max) return n;
    const range = `whole numbers from ${ADJ_RANGE.min} to ${ADJ_RANGE.max}`;
    const why = `"${String(raw)}" is out of range: nohang's badness adjustments are ${range}`;
    this.fail(node, path, why, `Write e.g. ${path}: ${fallback}.`, `${path}: ${String(raw)}`);
    return undefined;
  }
}
