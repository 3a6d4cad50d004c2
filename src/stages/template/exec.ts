// Running a parsed template: Go text/template's rules for dot, variables, pipelines (the piped value
// is the last argument), truth, range over lists and maps (maps in sorted key order, as Go), and
// printing values. One change from Go, on purpose: an action whose value is missing is an error
// instead of the text `<no value>`, so a typo in a key never lands in a host name or a command.
import {
  type Arg,
  type Block,
  type Command,
  type Node,
  type Pipe,
  parseTemplate,
  TemplateError,
} from './parse.ts';

export type TemplateFunc = (...args: unknown[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

/** A missing map key: it may be handed to `default`, but it may not be printed. */
export const MISSING: unique symbol = Symbol('missing');

class Scope {
  private readonly vars: Array<[string, unknown]> = [];
  constructor(root: unknown) {
    this.vars.push(['$', root]);
  }
  mark(): number {
    return this.vars.length;
  }
  pop(mark: number): void {
    this.vars.length = mark;
  }
  push(name: string, v: unknown): void {
    this.vars.push([name, v]);
  }
  set(name: string, v: unknown, line: number): void {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if ((this.vars[i] as [string, unknown])[0] === name) {
        (this.vars[i] as [string, unknown])[1] = v;
        return;
      }
    throw new TemplateError(`undefined variable: ${name}`, line);
  }
  get(name: string, line: number): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const [n, v] = this.vars[i] as [string, unknown];
      if (n === name) return v;
    }
    throw new TemplateError(`undefined variable: ${name}`, line);
  }
}

/** Render `src` with `data` as dot; throws a TemplateError naming the line and the reason. */
export function renderTemplate(src: string, data: unknown, funcs: FuncMap): string {
  if (!src.includes('{{')) return src;
  const nodes = parseTemplate(src);
  checkFuncs(nodes, funcs);
  const out: string[] = [];
  walk(nodes, data, new Scope(data), funcs, out);
  return out.join('');
}

/** Go rejects a template naming an unknown function at parse time, before anything runs. */
function checkFuncs(nodes: Node[], funcs: FuncMap): void {
  const pipe = (p: Pipe) => {
    for (const c of p.commands)
      for (const a of c.args) {
        if (a.kind === 'func' && !(a.name in funcs))
          throw new TemplateError(`function "${a.name}" not defined`, p.line);
        if (a.kind === 'sub') pipe(a.pipe);
      }
  };
  for (const n of nodes) {
    if (n.kind === 'text') continue;
    pipe(n.pipe);
    if (n.kind !== 'action') {
      checkFuncs(n.list, funcs);
      checkFuncs(n.elseList, funcs);
    }
  }
}

function walk(nodes: Node[], dot: unknown, scope: Scope, funcs: FuncMap, out: string[]): void {
  for (const n of nodes) {
    if (n.kind === 'text') {
      out.push(n.text);
      continue;
    }
    const mark = scope.mark();
    if (n.kind === 'action') {
      const v = runPipe(n.pipe, dot, scope, funcs);
      if (n.pipe.vars.length === 0) out.push(printValue(v, n.pipe));
      // A declaration in an action lives until the end of the enclosing block: keep it.
      continue;
    }
    if (n.kind === 'range') {
      runRange(n, dot, scope, funcs, out);
      scope.pop(mark);
      continue;
    }
    const v = runPipe(n.pipe, dot, scope, funcs);
    if (isTrue(v)) walk(n.list, n.kind === 'with' ? v : dot, scope, funcs, out);
    else walk(n.elseList, dot, scope, funcs, out);
    scope.pop(mark);
  }
}

function runRange(n: Block<'range'>, dot: unknown, scope: Scope, funcs: FuncMap, out: string[]) {
  const pipe: Pipe = {...n.pipe, vars: []};
  const v = runPipe(pipe, dot, scope, funcs);
  let pairs: Array<[unknown, unknown]>;
  if (Array.isArray(v)) pairs = v.map((x, i) => [i, x]);
  else if (isMap(v))
    pairs = Object.keys(v)
      .sort()
      .map((k) => [k, v[k]]);
  else if (typeof v === 'number' && Number.isInteger(v))
    pairs = Array.from({length: Math.max(0, v)}, (_, i) => [i, i]);
  else if (v === undefined || v === null || v === MISSING) pairs = [];
  else throw new TemplateError(`range can't iterate over ${printValue(v, pipe)}`, n.pipe.line);
  if (pairs.length === 0) {
    walk(n.elseList, dot, scope, funcs, out);
    return;
  }
  for (const [k, x] of pairs) {
    const mark = scope.mark();
    if (n.pipe.vars.length === 1) scope.push(n.pipe.vars[0] as string, x);
    if (n.pipe.vars.length === 2) {
      scope.push(n.pipe.vars[0] as string, k);
      scope.push(n.pipe.vars[1] as string, x);
    }
    walk(n.list, x, scope, funcs, out);
    scope.pop(mark);
  }
}

function runPipe(pipe: Pipe, dot: unknown, scope: Scope, funcs: FuncMap): unknown {
  let v: unknown;
  let first = true;
  for (const c of pipe.commands) {
    v = runCommand(c, dot, scope, funcs, pipe.line, first ? undefined : {value: v});
    first = false;
  }
  for (const name of pipe.vars) {
    if (pipe.assign) scope.set(name, v, pipe.line);
    else scope.push(name, v);
  }
  return v;
}

function runCommand(
  c: Command,
  dot: unknown,
  scope: Scope,
  funcs: FuncMap,
  line: number,
  piped?: {value: unknown},
): unknown {
  const [head, ...rest] = c.args as [Arg, ...Arg[]];
  if (head.kind === 'func') {
    const fn = funcs[head.name] as TemplateFunc;
    const args = rest.map((a) => evalArg(a, dot, scope, funcs, line));
    if (piped) args.push(piped.value);
    if (head.name === 'and' || head.name === 'or') return andOr(head.name, args);
    try {
      return fn(...args);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(`error calling ${head.name}: ${(err as Error).message}`, line);
    }
  }
  if (rest.length > 0 || piped)
    throw new TemplateError(`can't give argument to non-function ${describeArg(head)}`, line);
  return evalArg(head, dot, scope, funcs, line);
}

function andOr(name: 'and' | 'or', args: unknown[]): unknown {
  if (args.length === 0) throw new Error(`${name} needs at least one argument`);
  for (const a of args) if (name === 'and' ? !isTrue(a) : isTrue(a)) return a;
  return args[args.length - 1];
}

function evalArg(a: Arg, dot: unknown, scope: Scope, funcs: FuncMap, line: number): unknown {
  switch (a.kind) {
    case 'literal':
      return a.value;
    case 'field':
      return fieldChain(dot, a.names, '', line);
    case 'var':
      return fieldChain(scope.get(a.name, line), a.names, a.name, line);
    case 'sub':
      return fieldChain(runPipe(a.pipe, dot, scope, funcs), a.names, '(…)', line);
    case 'func': {
      const fn = funcs[a.name] as TemplateFunc;
      try {
        return fn();
      } catch (err) {
        throw new TemplateError(`error calling ${a.name}: ${(err as Error).message}`, line);
      }
    }
  }
}

function fieldChain(v: unknown, names: string[], from: string, line: number): unknown {
  let path = from;
  for (const name of names) {
    if (v === MISSING || v === undefined || v === null)
      throw new TemplateError(`nil pointer evaluating ${path || '.'}.${name}`, line);
    if (!isMap(v))
      throw new TemplateError(`can't evaluate field ${name} in ${path || '.'} (${typeName(v)})`, line);
    path = `${path}.${name}`;
    v = Object.hasOwn(v, name) ? v[name] : MISSING;
  }
  return v;
}

function describeArg(a: Arg): string {
  if (a.kind === 'field') return `.${a.names.join('.')}`;
  if (a.kind === 'var') return [a.name, ...a.names].join('.');
  if (a.kind === 'literal') return JSON.stringify(a.value);
  return '(…)';
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? 'a string' : typeof v;
}

/** Go's truth: false, 0, nil, "" and empty lists and maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === MISSING || v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

function printValue(v: unknown, pipe: Pipe): string {
  if (v === MISSING) throw new TemplateError('the value is missing (no such key)', pipe.line);
  return formatValue(v);
}

/** A value as Go's fmt prints it with %v: `[a b]`, `map[a:1 b:2]`, `<nil>`. */
export function formatValue(v: unknown): string {
  if (v === MISSING || v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (isMap(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${formatValue(v[k])}`)
      .join(' ')}]`;
  return String(v);
}
