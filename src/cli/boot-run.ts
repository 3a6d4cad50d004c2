// `immucore run` without oclif: the boot itself is on the critical path, and loading oclif costs
// ~40 ms of a ~250 ms boot. The compiled entry takes this path for `run` with only the flags
// below; anything else (`--help`, `--dry-run`, a typo) goes through oclif and its messages.
import {parseArgs} from 'node:util';
import {runBoot} from '../steps/run-boot.ts';
import {LinuxSys} from '../sys/linux.ts';

export interface BootRunFlags {
  root?: string;
  devices?: string;
}

/** The flags of a plain `immucore run [--root D] [--devices a,b]`, or undefined for anything else. */
export function parseBootRunArgv(argv: string[]): BootRunFlags | undefined {
  if (argv[0] !== undefined && argv[0] !== 'run') return undefined;
  try {
    const {values} = parseArgs({
      args: argv[0] === 'run' ? argv.slice(1) : argv,
      options: {root: {type: 'string'}, devices: {type: 'string'}},
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch {
    return undefined;
  }
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
