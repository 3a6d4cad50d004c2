// The parser of our Go text/template subset (what yip renders with sprig): text, actions with
// pipelines, `{{-`/`-}}` trimming, comments, variables, if/else if/else, range, with. No maintained
// Go-template engine exists for Node; this one is small and covered by a table of cases.

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    message: string,
    /** 1-based line in the template text. */
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export type Arg =
  | {kind: 'field'; names: string[]} // .A.B (names empty: the dot itself)
  | {kind: 'var'; name: string; names: string[]} // $x.A
  | {kind: 'func'; name: string}
  | {kind: 'literal'; value: unknown}
  | {kind: 'sub'; pipe: Pipe; names: string[]}; // (pipeline).A

export interface Command {
  args: Arg[];
}

export interface Pipe {
  /** Variables declared (`$x :=`) or assigned (`$x =`). */
  vars: string[];
  assign: boolean;
  commands: Command[];
  line: number;
}

export type Node =
  | {kind: 'text'; text: string}
  | {kind: 'action'; pipe: Pipe}
  | Block<'if'>
  | Block<'with'>
  | Block<'range'>;

export interface Block<K extends 'if' | 'with' | 'range'> {
  kind: K;
  pipe: Pipe;
  list: Node[];
  elseList: Node[];
}

type Token =
  | {t: 'field'; v: string; joined: boolean}
  | {t: 'var'; v: string}
  | {t: 'ident'; v: string}
  | {t: 'string'; v: string}
  | {t: 'number'; v: number}
  | {t: 'op'; v: '|' | '(' | ')' | ':=' | '=' | ','};

interface Action {
  tokens: Token[];
  line: number;
}

type Piece = {kind: 'text'; text: string} | {kind: 'action'; action: Action};

/** Parse a template; throws a TemplateError naming the line. */
export function parseTemplate(src: string): Node[] {
  const pieces = splitActions(src);
  const parser = new Parser(pieces);
  const nodes = parser.list(new Set());
  if (parser.pending) throw new TemplateError(`unexpected {{${parser.pending}}}`, parser.pendingLine);
  return nodes;
}

function lineAt(src: string, i: number): number {
  let n = 1;
  for (let k = 0; k < i && k < src.length; k++) if (src[k] === '\n') n++;
  return n;
}

/** Text and actions, with `{{- ` / ` -}}` whitespace trimming applied and comments dropped. */
function splitActions(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text) out.push({kind: 'text', text});
      break;
    }
    let start = open + 2;
    if (/^-\s$/.test(src.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) out.push({kind: 'text', text});
    const line = lineAt(src, open);
    const {tokens, end, trim} = lexAction(src, start, line);
    trimNext = trim;
    if (tokens) out.push({kind: 'action', action: {tokens, line}});
    i = end;
  }
  return out;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/y;

/** The tokens of one action from `i` (after `{{`) to its `}}`; comments give no tokens. */
function lexAction(src: string, i: number, line: number): {tokens?: Token[]; end: number; trim: boolean} {
  const ws = () => {
    while (i < src.length && /\s/.test(src[i] as string)) i++;
  };
  ws();
  if (src.startsWith('/*', i)) {
    const close = src.indexOf('*/', i + 2);
    if (close < 0) throw new TemplateError('unclosed comment', line);
    let j = close + 2;
    ws2();
    function ws2() {
      while (j < src.length && /\s/.test(src[j] as string)) j++;
    }
    const trim = src.startsWith('-}}', j);
    if (!trim && !src.startsWith('}}', j))
      throw new TemplateError('comment ends before closing delimiter', line);
    return {end: j + (trim ? 3 : 2), trim};
  }
  const tokens: Token[] = [];
  for (;;) {
    ws();
    if (i >= src.length) throw new TemplateError('unclosed action', line);
    if (src.startsWith('}}', i)) return {tokens, end: i + 2, trim: false};
    if (src.startsWith('-}}', i) && /\s/.test(src[i - 1] ?? '')) return {tokens, end: i + 3, trim: true};
    const c = src[i] as string;
    if (c === '|' || c === '(' || c === ')' || c === ',' || c === '=') {
      tokens.push({t: 'op', v: c});
      i++;
    } else if (src.startsWith(':=', i)) {
      tokens.push({t: 'op', v: ':='});
      i += 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\n') throw new TemplateError('unterminated quoted string', line);
        j += src[j] === '\\' ? 2 : 1;
      }
      if (j >= src.length) throw new TemplateError('unterminated quoted string', line);
      tokens.push({t: 'string', v: unquote(src.slice(i + 1, j), line)});
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw quoted string', line);
      tokens.push({t: 'string', v: src.slice(i + 1, j)});
      i = j + 1;
    } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
      IDENT.lastIndex = i + 1;
      const m = IDENT.exec(src);
      // `.B` right after `.A`, `$x` or `)` (no space) continues that chain: `.A.B`, `$x.B`, `(…).B`.
      const prev = tokens[tokens.length - 1];
      const joined =
        !/\s/.test(src[i - 1] ?? ' ') &&
        (prev?.t === 'field' || prev?.t === 'var' || (prev?.t === 'op' && prev.v === ')'));
      tokens.push({t: 'field', v: m ? m[0] : '', joined});
      i += 1 + (m ? m[0].length : 0);
    } else if (c === '$') {
      IDENT.lastIndex = i + 1;
      const m = IDENT.exec(src);
      tokens.push({t: 'var', v: `$${m ? m[0] : ''}`});
      i += 1 + (m ? m[0].length : 0);
    } else if (/[0-9+\-.]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      if (!m) throw new TemplateError(`bad number syntax at "${src.slice(i, i + 10)}"`, line);
      tokens.push({t: 'number', v: Number(m[0])});
      i += m[0].length;
    } else {
      IDENT.lastIndex = i;
      const m = IDENT.exec(src);
      if (!m) throw new TemplateError(`unexpected "${c}" in action`, line);
      tokens.push({t: 'ident', v: m[0]});
      i += m[0].length;
    }
  }
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

function unquote(body: string, line: number): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    const v = ESCAPES[e];
    if (v === undefined) throw new TemplateError(`unknown escape sequence \\${e}`, line);
    return v;
  });
}

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

class Parser {
  private i = 0;
  /** The keyword (`end`, `else …`) that stopped the last list. */
  pending?: string;
  pendingLine = 0;
  private pendingTokens: Token[] = [];

  constructor(private readonly pieces: Piece[]) {}

  /** Nodes until one of `stops` (`end`, `else`) or the end of the template. */
  list(stops: Set<string>): Node[] {
    const out: Node[] = [];
    this.pending = undefined;
    while (this.i < this.pieces.length) {
      const p = this.pieces[this.i++] as Piece;
      if (p.kind === 'text') {
        out.push({kind: 'text', text: p.text});
        continue;
      }
      const {tokens, line} = p.action;
      const first = tokens[0];
      if (!first) throw new TemplateError('missing value for command', line);
      if (first.t === 'ident' && KEYWORDS.has(first.v)) {
        const kw = first.v;
        if (kw === 'end' || kw === 'else') {
          if (!stops.has(kw)) throw new TemplateError(`unexpected {{${kw}}}`, line);
          this.pending = kw;
          this.pendingLine = line;
          this.pendingTokens = tokens.slice(1);
          return out;
        }
        if (kw === 'if' || kw === 'with' || kw === 'range') {
          out.push(this.control(kw, tokens.slice(1), line));
          continue;
        }
        throw new TemplateError(`{{${kw}}} is not supported`, line);
      }
      out.push({kind: 'action', pipe: parsePipe(tokens, line, true)});
    }
    if (stops.size > 0) throw new TemplateError('unexpected EOF: missing {{end}}', this.lastLine());
    return out;
  }

  private control<K extends 'if' | 'with' | 'range'>(kind: K, tokens: Token[], line: number): Block<K> {
    if (tokens.length === 0) throw new TemplateError(`missing value for ${kind}`, line);
    const pipe = parsePipe(tokens, line, true);
    const list = this.list(new Set(['end', 'else']));
    let elseList: Node[] = [];
    if (this.pending === 'else') {
      const rest = this.pendingTokens;
      const elseLine = this.pendingLine;
      if (rest[0]?.t === 'ident' && (rest[0].v === 'if' || rest[0].v === 'with')) {
        // `{{else if x}}` is `{{else}}{{if x}}…{{end}}` sharing the outer {{end}}.
        elseList = [this.control(rest[0].v === 'if' ? 'if' : 'with', rest.slice(1), elseLine)];
        return {kind, pipe, list, elseList};
      }
      if (rest.length > 0) throw new TemplateError('unexpected tokens after else', elseLine);
      elseList = this.list(new Set(['end']));
    }
    if (this.pendingTokens.length > 0)
      throw new TemplateError('unexpected tokens after end', this.pendingLine);
    this.pending = undefined;
    return {kind, pipe, list, elseList};
  }

  private lastLine(): number {
    for (let k = this.pieces.length - 1; k >= 0; k--) {
      const p = this.pieces[k] as Piece;
      if (p.kind === 'action') return p.action.line;
    }
    return 1;
  }
}

function parsePipe(tokens: Token[], line: number, allowDecl: boolean): Pipe {
  let k = 0;
  const vars: string[] = [];
  let assign = false;
  if (allowDecl && tokens[0]?.t === 'var') {
    // `$x :=`, `$i, $v :=`, `$x =`
    let j = 0;
    const names: string[] = [];
    while (tokens[j]?.t === 'var') {
      names.push((tokens[j] as {v: string}).v);
      const next = tokens[j + 1];
      if (next?.t === 'op' && next.v === ',') j += 2;
      else {
        j += 1;
        break;
      }
    }
    const op = tokens[j];
    if (op?.t === 'op' && (op.v === ':=' || op.v === '=')) {
      vars.push(...names);
      assign = op.v === '=';
      k = j + 1;
    }
  }
  const commands: Command[] = [];
  let args: Arg[] = [];
  while (k < tokens.length) {
    const tok = tokens[k] as Token;
    if (tok.t === 'op' && tok.v === '|') {
      if (args.length === 0) throw new TemplateError('missing command before |', line);
      commands.push({args});
      args = [];
      k++;
      continue;
    }
    const [arg, next] = parseArg(tokens, k, line);
    args.push(arg);
    k = next;
  }
  if (args.length === 0)
    throw new TemplateError(commands.length ? 'missing command after |' : 'missing value for command', line);
  commands.push({args});
  return {vars, assign, commands, line};
}

function parseArg(tokens: Token[], k: number, line: number): [Arg, number] {
  const tok = tokens[k] as Token;
  const fieldsFrom = (j: number): [string[], number] => {
    const names: string[] = [];
    for (let t = tokens[j]; t?.t === 'field' && t.joined && t.v !== ''; t = tokens[++j]) names.push(t.v);
    return [names, j];
  };
  switch (tok.t) {
    case 'field': {
      if (tok.v === '') return [{kind: 'field', names: []}, k + 1];
      const [names, j] = fieldsFrom(k + 1);
      return [{kind: 'field', names: [tok.v, ...names]}, j];
    }
    case 'var': {
      const [names, j] = fieldsFrom(k + 1);
      return [{kind: 'var', name: tok.v, names}, j];
    }
    case 'string':
      return [{kind: 'literal', value: tok.v}, k + 1];
    case 'number':
      return [{kind: 'literal', value: tok.v}, k + 1];
    case 'ident':
      if (tok.v === 'true' || tok.v === 'false') return [{kind: 'literal', value: tok.v === 'true'}, k + 1];
      if (tok.v === 'nil') return [{kind: 'literal', value: null}, k + 1];
      if (KEYWORDS.has(tok.v)) throw new TemplateError(`unexpected ${tok.v} in command`, line);
      return [{kind: 'func', name: tok.v}, k + 1];
    case 'op': {
      if (tok.v !== '(') throw new TemplateError(`unexpected "${tok.v}" in command`, line);
      let depth = 1;
      let j = k + 1;
      for (; j < tokens.length; j++) {
        const t = tokens[j] as Token;
        if (t.t === 'op' && t.v === '(') depth++;
        if (t.t === 'op' && t.v === ')' && --depth === 0) break;
      }
      if (depth !== 0) throw new TemplateError('unclosed left paren', line);
      const pipe = parsePipe(tokens.slice(k + 1, j), line, false);
      const [names, end] = fieldsFrom(j + 1);
      return [{kind: 'sub', pipe, names}, end];
    }
  }
}
