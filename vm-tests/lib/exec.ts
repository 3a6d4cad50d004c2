// Running the build tools. Everything heavy runs under `nice -n 10` (the machine is shared with
// other builds) and its output goes to vm-tests/logs/build.log, so a failure can be read in full
// while the thrown error stays short.
import {appendFileSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {execa} from 'execa';
import {LOG_DIR} from './paths.ts';

const BUILD_LOG = join(LOG_DIR, 'build.log');

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Text fed to stdin. */
  input?: string;
}

/** Runs a build command niced, logging its output; throws with the end of the output on failure. */
let logStarted = false;

export async function runBuild(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  if (!logStarted) {
    // One run's commands per log: started afresh by the first command of each process.
    mkdirSync(LOG_DIR, {recursive: true});
    writeFileSync(BUILD_LOG, `# ${new Date().toISOString()}\n`);
    logStarted = true;
  }
  appendFileSync(BUILD_LOG, `\n$ ${argv.join(' ')}\n`);
  const result = await execa('nice', ['-n', '10', ...argv], {
    all: true,
    reject: false,
    env: {...opts.env, LC_ALL: 'C'},
    cwd: opts.cwd,
    input: opts.input,
  });
  appendFileSync(BUILD_LOG, result.all ?? '');
  if (result.exitCode !== 0) {
    const tail = (result.all ?? '').split('\n').slice(-30).join('\n');
    throw new Error(`${argv.join(' ')} exited ${result.exitCode}:\n${tail}\n(full output: ${BUILD_LOG})`);
  }
  return result.stdout ?? '';
}

/**
 * Runs argv chrooted into `root` with /proc, /sys, /dev and /run mounted, inside a private mount
 * namespace of its own: the mounts vanish with the process, so a crashed build never leaves a
 * /dev bind under the cache that a later `rm -rf` would walk into, and mkfs.ext4 -d of the same
 * tree afterwards never copies /proc. `via` runs it inside another namespace (an overlay root).
 */
export async function runInChroot(
  root: string,
  argv: readonly string[],
  opts: RunOptions & {via?: (argv: readonly string[], opts: RunOptions) => Promise<string>} = {},
): Promise<string> {
  const script = [
    'set -e',
    'mount -t proc proc "$0/proc"',
    'mount -t sysfs sysfs "$0/sys"',
    'mount --rbind /dev "$0/dev"',
    'mount -t tmpfs tmpfs "$0/run"',
    'exec chroot "$0" "$@"',
  ].join('\n');
  const env = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...opts.env};
  const command = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, root, ...argv];
  const run = opts.via ?? runBuild;
  return run(command, {...opts, env});
}
