// The immucore entry point, for `bin/immucore.js` (development) and the compiled single binary.
// oclif normally finds commands by reading package.json and globbing a folder; neither exists
// inside a `bun --compile` binary, so the root plugin is built here from an inline pjson and its
// command cache is set to the static command map before oclif loads it.
import {Config, Errors, flush, Plugin, run} from '@oclif/core';
import {BootError, renderError} from '../boot/errors.ts';
import {COMMANDS} from './commands.ts';
import {VERSION} from './version.ts';

const PJSON = {
  name: 'immucore',
  version: VERSION,
  type: 'module',
  oclif: {
    bin: 'immucore',
    dirname: 'immucore',
    commands: {strategy: 'explicit', target: './src/cli/commands.ts', identifier: 'COMMANDS'},
    topicSeparator: ' ',
  },
};

export async function loadConfig(): Promise<Config> {
  // The root only anchors oclif's caches and is never read: every command is in COMMANDS.
  const root = process.cwd();
  const plugin = new Plugin({root, pjson: PJSON as never, isRoot: true});
  (plugin as unknown as {commandCache: unknown}).commandCache = COMMANDS;
  await plugin.load();
  return Config.load({root, pjson: PJSON as never, plugins: new Map([[PJSON.name, plugin]])});
}

/** `immucore` alone, or with only flags, means `immucore run` (what the initramfs unit calls). */
export function withDefaultCommand(argv: string[]): string[] {
  const first = argv[0];
  const asksForInfo =
    first === '--help' || first === '-h' || first === '--version' || first === '-v' || first === 'help';
  return first === undefined || (first.startsWith('-') && !asksForInfo) ? ['run', ...argv] : argv;
}

export async function main(argv: string[]): Promise<void> {
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
  try {
    const config = await loadConfig();
    await run(withDefaultCommand(argv), config);
    await flush();
  } catch (error) {
    // Our own errors carry causes and a hint: print every link and the `Try:` line.
    if (error instanceof BootError) {
      process.stderr.write(
        `${renderError(error)
          .map((l, i) => (i === 0 ? `Error: ${l}` : l))
          .join('\n')}\n`,
      );
      process.exitCode = 1;
      return;
    }
    Errors.handle(error as Error);
  }
}
