// Builds the single immucore binary (dist/immucore) with bun's bundler: scripts/bun-build.ts holds
// the Bun.build options and plugins and runs under bun; this script runs under node (tsx).
// Usage: tsx scripts/compile.ts [--entry src/cli/bootstrap-compiled.ts] [--outfile dist/immucore]
// Env: BUN (path to bun), IMMUCORE_COMMIT (overrides `git rev-parse`, e.g. in a tarball build).
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {execa} from 'execa';
import type {BunBuildConfig} from './bun-build.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Finds bun: $BUN, then the npm package's binary, then PATH.
export function findBun(repo: string): string {
  const candidates = [
    process.env.BUN,
    join(repo, 'node_modules/.bin/bun'),
    join(repo, 'node_modules/bun/bin/bun.exe'),
    join(repo, 'node_modules/@oven/bun-linux-x64/bin/bun'),
  ];
  return candidates.find((c): c is string => c !== undefined && existsSync(c)) ?? 'bun';
}

// Names the commit being built; "-dirty" marks uncommitted changes so a test binary is never
// mistaken for a release, "unknown" when there is no git history (a fresh `git init`).
export async function describeCommit(repo: string): Promise<string> {
  if (process.env.IMMUCORE_COMMIT) return process.env.IMMUCORE_COMMIT;
  const head = await execa('git', ['rev-parse', '--short=12', 'HEAD'], {cwd: repo, reject: false});
  if (head.exitCode !== 0) return 'unknown';
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], {cwd: repo, reject: false});
  return status.stdout.trim() === '' ? head.stdout.trim() : `${head.stdout.trim()}-dirty`;
}

// The defines (name → JSON-encoded value) that bake version, commit and oclif settings into the bundle.
// src/cli/version.ts reads the bare globals IMMUCORE_COMMIT / IMMUCORE_VERSION (`typeof` guarded,
// so the same file runs from source); the process.env ones are there for code that prefers env.
export function renderDefines(version: string, commit: string): Record<string, string> {
  const defines: Record<string, string> = {
    IMMUCORE_VERSION: version,
    IMMUCORE_COMMIT: commit,
    'process.env.IMMUCORE_VERSION': version,
    'process.env.IMMUCORE_COMMIT': commit,
    // oclif warns when the runtime's "node" version is outside its engines range; bun reports
    // its own node version, and the warning would land on the boot console.
    'process.env.OCLIF_DISABLE_ENGINE_WARNING': '1',
  };
  return Object.fromEntries(Object.entries(defines).map(([key, value]) => [key, JSON.stringify(value)]));
}

async function compile(): Promise<void> {
  const {values} = parseArgs({
    options: {
      entry: {type: 'string', default: join(REPO, 'src/cli/bootstrap-compiled.ts')},
      outfile: {type: 'string', default: join(REPO, 'dist/immucore')},
    },
  });
  const entry = resolve(values.entry);
  const outfile = resolve(values.outfile);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string};
  const commit = await describeCommit(REPO);
  const bun = findBun(REPO);
  const config: BunBuildConfig = {entry, outfile, define: renderDefines(pkg.version, commit)};

  const started = performance.now();
  await execa(bun, [join(REPO, 'scripts/bun-build.ts'), JSON.stringify(config)], {cwd: REPO, stdio: 'inherit'});
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const megabytes = (statSync(outfile).size / 1024 / 1024).toFixed(1);

  // Run the result once: a binary that does not start (wrong CPU target, broken bytecode)
  // must fail the build here, not in a VM boot ten minutes later.
  const version = await execa(outfile, ['--version']);
  const bunVersion = (await execa(bun, ['--version'])).stdout.trim();
  const record: BuildRecord = {
    commit,
    // The defines (commit, version), the entry and bun; not the paths (a CI clone's differ). The
    // build options are in scripts/bun-build.ts, a hashed source.
    sources: hashSources(REPO, [
      ...Object.entries(config.define).map(([key, value]) => `define ${key}=${value}`),
      relative(REPO, entry),
      `bun ${bunVersion}`,
    ]),
    binarySha256: createHash('sha256').update(readFileSync(outfile)).digest('hex'),
  };
  writeFileSync(`${outfile}.build.json`, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`compiled ${outfile}: ${megabytes} MiB in ${seconds} s with ${bun}`);
  console.log(version.stdout);
}

/**
 * `<outfile>.build.json`: what the binary was compiled from. bun's --compile output differs
 * between two compiles of one tree, so the VM tests' image cache (vm-tests/lib/binary-key.ts) keys
 * by this record instead of the bytes, once the bytes are checked to be this compile's.
 */
export interface BuildRecord {
  /** describeCommit's `<sha>` or `<sha>-dirty` (what `--version` prints). */
  commit: string;
  /** hashSources of the tree and the build's arguments. */
  sources: string;
  binarySha256: string;
}

// What goes into the binary besides bun and its flags: the sources, the dependencies, the version.
const SOURCE_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/compile.ts',
  'scripts/bun-build.ts',
  'scripts/pino-stubs.ts',
];

/** A hash of every file under src/ and SOURCE_FILES (relative paths and bytes) and `extra`. */
export function hashSources(repo: string, extra: readonly string[]): string {
  const files = readdirSync(join(repo, 'src'), {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .map((e) => relative(repo, join(e.parentPath, e.name)))
    .concat(SOURCE_FILES.filter((f) => existsSync(join(repo, f))))
    .sort();
  const hash = createHash('sha256');
  for (const part of extra) hash.update(`${part.length}:${part}\n`);
  for (const file of files) {
    const bytes = readFileSync(join(repo, file));
    hash.update(`${file.length}:${file}\n${bytes.length}:`).update(bytes);
  }
  return hash.digest('hex');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await compile();
}
