// The bun half of `npm run compile`: builds the single binary with Bun.build (the JS API, so the
// build can use plugins). Run by scripts/compile.ts as `bun scripts/bun-build.ts <config JSON>`;
// that script finds bun, names the commit, runs the result once and writes the build record.
// This file is among the record's hashed sources: the options below are part of what the binary
// is compiled from.
import {resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {PINO_STUBS_PLUGIN} from './pino-stubs.ts';

/** What compile.ts passes: absolute paths and the --define values (already JSON-encoded). */
export interface BunBuildConfig {
  entry: string;
  outfile: string;
  define: Record<string, string>;
}

// The part of bun's types this script uses (the repo has no bun-types; tsc checks scripts/).
interface BunBuildOutput {
  success: boolean;
  logs: unknown[];
}
declare const Bun: {build(options: Record<string, unknown>): Promise<BunBuildOutput>};

/** The Bun.build options of the binary: the `bun build --compile` flags it had, the autoload switches and the pino stubs. */
export function renderBuildOptions(config: BunBuildConfig): Record<string, unknown> {
  return {
    entrypoints: [config.entry],
    compile: {
      outfile: config.outfile,
      // A standalone bun binary reads `.env*` and `bunfig.toml` from its cwd at start, before any
      // of our code runs: a bunfig `preload` ran its script inside immucore, and `.env` set
      // variables (DEBUG=* made oclif print its debug log). The cwd is / in the initramfs and
      // wherever a person stands in a recovery shell; neither may change what immucore does. The
      // directory walk cost a few syscalls per start too. tsconfig.json/package.json are off by
      // default in bun 1.3; said here so a bun upgrade cannot turn them on.
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
    // Measured to work: bytecode halves start-up (dropping it cost +30-43 % CPU per boot).
    bytecode: true,
    format: 'esm',
    // Plain `minify: true` is avoided because it renames identifiers, and class names end up in
    // error names and the step-name check.
    minify: {whitespace: true, syntax: true, identifiers: false},
    // oclif requires these lazily, only to run uncompiled TypeScript commands in development;
    // bundled they add ~9 MB of bytecode that every start would load.
    external: ['typescript', 'ts-node'],
    // Each dynamic import becomes its own chunk inside the binary, parsed only when imported: with
    // one chunk, `immucore --version` parsed the whole 3.6 MB bundle (46 ms); split, 26 ms
    // (a hello-world bun binary: 17-19 ms). Commands that load everything cost the same.
    splitting: true,
    define: config.define,
    plugins: [PINO_STUBS_PLUGIN],
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.length !== 3) {
    console.error(`usage: bun scripts/bun-build.ts '{"entry": …, "outfile": …, "define": {…}}' (npm run compile runs it)`);
    process.exit(2);
  }
  const config = JSON.parse(process.argv[2] as string) as BunBuildConfig;
  const result = await Bun.build(renderBuildOptions(config));
  for (const log of result.logs) console.error(log);
  if (!result.success) {
    console.error(`bun-build: building ${config.entry} into ${config.outfile} failed (messages above)`);
    process.exit(1);
  }
}
