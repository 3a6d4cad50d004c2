// Entry point of the single binary built by scripts/compile.ts (`bun build --compile`). The
// development entry is bin/immucore.js; both end in main(argv) from ./main.ts.
import {VERSION} from './version.ts';

// Answered before ./main.ts is imported: bun defers evaluating a dynamically imported module,
// so `immucore --version` never initialises oclif or pino (about 20 ms of a cold start, and the
// VM tests use it to check which binary an image carries). The line is the one oclif prints.
const VERSION_FLAGS = new Set(['--version', '-v']);

export function renderVersion(): string {
  return `immucore/${VERSION} ${process.platform}-${process.arch} node-${process.version}\n`;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && VERSION_FLAGS.has(argv[0] ?? '')) {
  process.stdout.write(renderVersion());
} else {
  // The boot skips oclif (see boot-run.ts); every other command goes through it.
  const {parseBootRunArgv, runBootCommand} = await import('./boot-run.ts');
  const bootFlags = parseBootRunArgv(argv);
  if (bootFlags) {
    // Exit as soon as the boot is decided: nothing left running may hold up switch-root.
    process.exit(await runBootCommand(bootFlags));
  } else {
    const {main} = await import('./main.ts');
    await main(argv);
  }
}
