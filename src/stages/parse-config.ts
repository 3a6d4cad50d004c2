// A cloud-config file (yip's format) from its text: YAML 1.1, as yip's Go parser reads it, so
// `permissions: 0644` is octal and `yes`/`no` are booleans. Only `stages.<rootfs|initramfs>[.before|.after]`
// is read; every other key (a Kairos config's `install:`, `users:`, other stages) belongs to others.
import {Document, LineCounter, parseDocument} from 'yaml';
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
  return readConfig(new FieldReader(file, doc, lines), doc.contents);
}

/** A config given as plain data (the cmdline dot notation), read like a file. */
export function configFromData(data: unknown, file: string): StageSource {
  const doc = new Document(data);
  return readConfig(new FieldReader(file, doc), doc.contents);
}

function readConfig(r: FieldReader, root: unknown): StageSource {
  const source: StageSource = {file: r.file, stages: new Map(), errors: r.errors, warnings: r.warnings};
  if (r.isNull(root)) return source;
  const top = r.entries(root, 'the file', 'a mapping (name:, stages:)');
  if (!top) return source;
  const fields = new Map(top.map(([k, v]) => [k, v]));
  if (fields.has('name')) source.name = r.string(fields.get('name'), 'name');
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
    source.stages.set(part, steps);
  }
  return source;
}
