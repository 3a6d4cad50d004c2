// Runs the layer rules of .dependency-cruiser.cjs (the file `npm run lint:deps` uses) on a small
// tree laid out like src/, with one bad import per rule, and checks each rule fires where it should
// and nowhere else: a rule that never fires would let `npm test` pass on any import.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {cruise, type ICruiseResult} from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The fixture: path under the fixture root → its text. */
const FIXTURE: Record<string, string> = {
  'node_modules/left-pad/package.json': '{"name": "left-pad", "main": "index.js"}',
  'node_modules/left-pad/index.js': 'module.exports = (s) => s;',
  // Allowed: none of these may fire.
  'src/util/names.ts': 'export const x = 1;',
  'src/boot/ok.ts':
    "import {join} from 'node:path';\nimport {x} from '../util/names.ts';\nexport const y = join('a', String(x));",
  'src/sys/ok.ts':
    "import {readFile} from 'node:fs/promises';\nimport type {Stats} from 'node:fs';\nimport {y} from '../boot/ok.ts';\nexport const z = [readFile, y];\nexport type S = Stats;",
  'src/sys/node-fs.ts': "import fs from 'node:fs';\nexport const {readFileSync} = fs;",
  'src/dag/ok.ts': "import {y} from '../boot/ok.ts';\nexport const d = y;",
  'src/log/ok.ts': 'export const l = 1;',
  'src/inputs/ok.ts': "import {z} from '../sys/ok.ts';\nexport const i = z;",
  'src/report/ok.ts':
    "import {d} from '../dag/ok.ts';\nimport {l} from '../log/ok.ts';\nimport {i} from '../inputs/ok.ts';\nexport const r = [d, l, i];",
  'src/memory/ok.ts': "import {r} from '../report/ok.ts';\nexport const m = r;",
  'src/steps/ok.ts': "import {m} from '../memory/ok.ts';\nexport const s = m;",
  'src/cli/ok.ts': "import {s} from '../steps/ok.ts';\nexport const c = s;",
  // Tests and test helpers may cross layers (but not make cycles).
  'src/stages/run.test.ts':
    "import {execFileSync} from 'node:child_process';\nimport {c} from '../cli/ok.ts';\nimport {s} from '../steps/ok.ts';\nexport const t = [execFileSync, c, s];",
  'src/dag/testing.ts':
    "import {z} from '../sys/ok.ts';\nimport {s} from '../steps/ok.ts';\nexport const t = [z, s];",
  // One bad import per rule.
  'src/util/up.ts': "import {y} from '../boot/ok.ts';\nexport const u = y;",
  'src/util/os.ts': "import {hostname} from 'node:os';\nexport const h = hostname;",
  'src/boot/a.ts': "import {readFileSync} from 'node:fs';\nexport const a = readFileSync;",
  'src/boot/npm.ts': "import pad from 'left-pad';\nexport const p = pad;",
  'src/boot/sys.ts': "import {z} from '../sys/ok.ts';\nexport const b = z;",
  'src/sys/dag.ts': "import {d} from '../dag/ok.ts';\nexport const e = d;",
  'src/dag/log.ts': "import {l} from '../log/ok.ts';\nexport const f = l;",
  'src/log/util.ts': "import {x} from '../util/names.ts';\nexport const g = x;",
  'src/inputs/log.ts': "import {l} from '../log/ok.ts';\nexport const j = l;",
  'src/stages/step.ts': "import {s} from '../steps/ok.ts';\nexport const k = s;",
  'src/report/cli.ts': "import {c} from '../cli/ok.ts';\nexport const n = c;",
  'src/steps/exec.ts': "import {execFile} from 'child_process';\nexport const o = execFile;",
  'src/steps/fs.ts': "import {readFile} from 'node:fs/promises';\nexport const q = readFile;",
  'src/sys/spawn.ts': "import {spawn} from 'node:child_process';\nexport const sp = spawn;",
  'src/sys/child-process.ts':
    "import type {ChildProcess} from 'node:child_process';\nimport cp from 'node:child_process';\nexport type C = ChildProcess;\nexport const {spawn} = cp;",
  'src/sys/esm-fs.ts': "import {readFileSync} from 'node:fs';\nexport const r = readFileSync;",
  'src/steps/lost.ts': "import {v} from './missing.ts';\nexport const w = v;",
  // A cycle through a type-only import, and one through a test helper.
  'src/memory/cycle-a.ts': "import type {B} from './cycle-b.ts';\nexport type A = {b?: B};",
  'src/memory/cycle-b.ts': "import type {A} from './cycle-a.ts';\nexport type B = {a?: A};",
  'src/stages/testing.ts': "import {h} from './helper.ts';\nexport const t = h;",
  'src/stages/helper.ts': "import {t} from './testing.ts';\nexport const h = () => t;",
};

let work: string;
let result: ICruiseResult;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'immucore-layers-'));
  for (const [path, text] of Object.entries(FIXTURE)) {
    mkdirSync(dirname(join(work, path)), {recursive: true});
    writeFileSync(join(work, path), `${text}\n`);
  }
  const ruleSet = await extractDepcruiseConfig(join(ROOT, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
  const out = await cruise(['src'], {validate: true, ruleSet, baseDir: work}, {}, {tsConfig});
  if (typeof out.output === 'string') throw new Error(`depcruise gave text: ${out.output}`);
  result = out.output;
});
afterAll(() => rmSync(work, {recursive: true, force: true}));

describe('.dependency-cruiser.cjs', () => {
  // depcruise names core modules without `node:` (node:fs → fs) and reports a cycle once.
  it('fires each rule exactly on the bad imports of the fixture', () => {
    const found = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual(
      [
        'util-is-a-leaf: src/util/up.ts → src/boot/ok.ts',
        'util-no-node-modules: src/util/os.ts → os',
        'boot-is-pure: src/boot/a.ts → fs',
        'boot-is-pure: src/boot/npm.ts → node_modules/left-pad/index.js',
        'boot-is-pure: src/boot/sys.ts → src/sys/ok.ts',
        'sys-layer: src/sys/dag.ts → src/dag/ok.ts',
        'dag-layer: src/dag/log.ts → src/log/ok.ts',
        'log-layer: src/log/util.ts → src/util/names.ts',
        'inputs-layer: src/inputs/log.ts → src/log/ok.ts',
        'libraries-layer: src/stages/step.ts → src/steps/ok.ts',
        'libraries-layer: src/report/cli.ts → src/cli/ok.ts',
        'steps-only-from-cli: src/stages/step.ts → src/steps/ok.ts',
        'cli-only-from-cli: src/report/cli.ts → src/cli/ok.ts',
        'only-sys-touches-the-machine: src/boot/a.ts → fs',
        'lazy-node-builtins: src/boot/a.ts → fs',
        'lazy-node-builtins: src/sys/esm-fs.ts → fs',
        'lazy-node-builtins: src/steps/exec.ts → child_process',
        'lazy-node-builtins: src/sys/spawn.ts → child_process',
        'only-sys-touches-the-machine: src/steps/exec.ts → child_process',
        'only-sys-touches-the-machine: src/steps/fs.ts → fs/promises',
        'not-to-unresolvable: src/steps/lost.ts → ./missing.ts',
        'no-circular: src/memory/cycle-a.ts → src/memory/cycle-b.ts',
        'no-circular: src/stages/helper.ts → src/stages/testing.ts',
      ].sort(),
    );
  });

  it('has a reason for every rule', () => {
    const rules = result.summary.ruleSetUsed?.forbidden ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.comment, rule.name).toMatch(/\w{3,}.*\w{3,}/);
  });
});
