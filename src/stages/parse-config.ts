// A cloud-config file (yip's format) from its text: YAML 1.1, as yip's Go parser reads it, so
// `permissions: 0644` is octal and `yes`/`no` are booleans. Only `stages.<rootfs|initramfs>[.before|.after]`
// is read; every other key (a Kairos config's `install:`, `users:`, other stages) belongs to others,
// but for one: a `#cloud-config` file's top-level `hostname:`, which yip's cloud-init loader turns
// into the first step of the initramfs stage (its `users:`, `write_files:`, `runcmd:` go to `boot`).
import {Document, isScalar, LineCounter, Pair, parseDocument, YAMLMap} from 'yaml';
import {error} from '../boot/problem.ts';
import {FieldReader} from './fields.ts';
import {type LocatedStep, STAGES, type StageSource, stageParts} from './types.ts';
import {readStep} from './validate-step.ts';

const OUR_PARTS = new Set(STAGES.flatMap(stageParts));

/** Parse a file's text; a syntax error costs the whole file and names its line and column. */
export function parseCloudConfig(text: string, file: string): StageSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, {version: '1.1', lineCounter: lines, prettyErrors: false});
  const [syntax] = doc.errors;
  if (syntax) {
    const pos = lines.linePos(syntax.pos[0]);
    const at = `${file}:${pos.line}:${pos.col}`;
    const why = syntax.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    return {
      file,
      stages: new Map(),
      errors: [
        error(
          at,
          `${at}: YAML syntax error: ${why}; skipping this file`,
          `Fix the YAML at line ${pos.line} of ${file} (check indentation and quotes), e.g. with yamllint.`,
        ),
      ],
      warnings: [],
    };
  }
  return readConfig(new FieldReader(file, doc, lines), doc.contents, isCloudInit(text));
}

/**
 * yip's test (cloudinit.IsCloudConfig): among the first lines, before any other content, one is
 * exactly `#cloud-config` (trailing blanks aside); blank lines and other comments may come first.
 */
export function isCloudInit(text: string): boolean {
  for (const line of text.split('\n', 10)) {
    const header = line.trimEnd();
    if (header === '#cloud-config') return true;
    if (header !== '' && !header.startsWith('#')) return false;
  }
  return false;
}

/** A config given as plain data (the cmdline dot notation), read like a file. */
export function configFromData(data: unknown, file: string): StageSource {
  const doc = new Document(data);
  return readConfig(new FieldReader(file, doc), doc.contents);
}

function readConfig(r: FieldReader, root: unknown, cloudInit = false): StageSource {
  const source: StageSource = {file: r.file, stages: new Map(), errors: r.errors, warnings: r.warnings};
  if (r.isNull(root)) return source;
  const top = r.entries(root, 'the file', 'a mapping (name:, stages:)');
  if (!top) return source;
  const fields = new Map(top.map(([k, v]) => [k, v]));
  if (fields.has('name')) source.name = r.string(fields.get('name'), 'name');
  if (cloudInit) addCloudInitHostname(r, source, top);
  const stages = fields.get('stages');
  if (stages === undefined || r.isNull(stages)) return source;
  for (const [part, list] of r.entries(stages, 'stages', 'a mapping of stage names to steps') ?? []) {
    if (!OUR_PARTS.has(part) || r.isNull(list)) continue;
    const steps: LocatedStep[] = [];
    for (const [i, node] of (r.items(list, `stages.${part}`, 'steps') ?? []).entries()) {
      const path = `stages.${part}[${i}]`;
      const line = r.lineOf(node);
      steps.push({step: readStep(r, node, path), origin: {file: r.file, path, ...(line ? {line} : {})}});
    }
    source.stages.set(part, [...(source.stages.get(part) ?? []), ...steps]);
  }
  return source;
}

/**
 * `hostname:` at the top of a `#cloud-config` file: a step of its own, first in the initramfs stage
 * (yip's order: the cloud-init part, then the file's own `stages.initramfs`). Read like any
 * step's `hostname`, so a template renders and a bad name is an error naming its line. An empty
 * one is no step (yip's hostname plugin does nothing with it).
 */
function addCloudInitHostname(
  r: FieldReader,
  source: StageSource,
  top: ReadonlyArray<readonly [string, unknown, unknown]>,
): void {
  const entry = top.find(([k]) => k === 'hostname');
  if (!entry || r.isNull(entry[1])) return;
  const [, value, keyNode] = entry;
  if (isScalar(value) && value.value === '') return;
  const node = new YAMLMap();
  node.items.push(new Pair(keyNode, value));
  const line = r.lineOf(keyNode);
  const step = readStep(r, node, '');
  step.name = 'hostname (cloud-init)';
  source.stages.set('initramfs', [{step, origin: {file: r.file, path: 'hostname', ...(line ? {line} : {})}}]);
}
