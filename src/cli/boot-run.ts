// `immucore run` without oclif: the boot itself is on the critical path, and loading oclif costs
// ~40 ms of a ~250 ms boot. The compiled entry takes this path for `run` with only the flags
// below; anything else (`--help`, `--dry-run`, a typo) goes through oclif and its messages.
import {runBoot} from '../steps/run-boot.ts';
import {LinuxSys} from '../sys/linux.ts';

export interface BootRunFlags {
  root?: string;
  devices?: string;
}

/**
 * The flags of a plain `immucore run [--root D] [--devices a,b]`, or undefined for anything else.
 * What node's `parseArgs` (strict, no positionals) accepts, by hand: node:util would load
 * util/inspect and node:url into every boot (~6 ms of CPU); boot-run.test.ts checks the two agree.
 */
export function parseBootRunArgv(argv: string[]): BootRunFlags | undefined {
  if (argv[0] !== undefined && argv[0] !== 'run') return undefined;
  const args = argv[0] === 'run' ? argv.slice(1) : argv;
  const flags: BootRunFlags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    // Anything after `--` is a positional.
    if (arg === '--') return i === args.length - 1 ? flags : undefined;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (name !== '--root' && name !== '--devices') return undefined;
    let value = arg.slice(eq + 1);
    if (eq < 0) {
      // `--root --devices x` is a forgotten value, as parseArgs says; `--root=-x` is how to mean it.
      const next = args[++i];
      if (next === undefined || (next.length > 1 && next.startsWith('-'))) return undefined;
      value = next;
    }
    flags[name === '--root' ? 'root' : 'devices'] = value;
  }
  return flags;
}

/** The Sys a boot (`run`, `retry`) works through: the root, and the devices a test allows. */
export function bootSys(flags: BootRunFlags): LinuxSys {
  return new LinuxSys({
    root: flags.root ?? '/',
    ...(flags.devices ? {devices: flags.devices.split(',')} : {}),
  });
}

/** Runs `work` with SIGTERM/SIGINT turned into its abort signal (finish the mount in flight, write the report). */
export async function whileStoppable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

/** Boot, stoppable by SIGTERM/SIGINT; the exit code. */
export async function runBootCommand(flags: BootRunFlags): Promise<number> {
  const sys = bootSys(flags);
  const {exitCode} = await whileStoppable((signal) =>
    runBoot({sys, signal, live: (flags.root ?? '/') === '/'}),
  );
  return exitCode;
}
