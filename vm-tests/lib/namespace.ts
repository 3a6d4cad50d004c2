// A private mount namespace that outlives single commands: the image build mounts an overlay of
// the cached Debian root there, works in it with several commands, and the kernel drops every
// mount when the namespace's last process exits, so nothing leaks onto the host even on a crash.
import {readlinkSync} from 'node:fs';
import {setTimeout as delay} from 'node:timers/promises';
import {execa, type ResultPromise} from 'execa';
import {type RunOptions, runBuild} from './exec.ts';

export class MountNamespace {
  private constructor(private readonly holder: ResultPromise) {}

  /** Starts `unshare --mount sleep infinity`; its pid names the namespace for nsenter. */
  static async start(): Promise<MountNamespace> {
    const holder = execa('unshare', ['--mount', '--propagation', 'private', 'sleep', 'infinity'], {
      reject: false,
    });
    const pid = holder.pid;
    if (pid === undefined) throw new Error('unshare did not start');
    const own = readlinkSync('/proc/self/ns/mnt');
    // unshare execs sleep once the namespace exists: wait for the pid to show the new namespace.
    for (let i = 0; i < 100; i++) {
      try {
        if (readlinkSync(`/proc/${pid}/ns/mnt`) !== own) return new MountNamespace(holder);
      } catch {
        // not yet visible
      }
      await delay(20);
    }
    holder.kill('SIGKILL');
    throw new Error('unshare --mount did not create a namespace within 2 s');
  }

  /** Runs argv inside the namespace (niced and logged like every build command). */
  async run(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
    return runBuild(['nsenter', `--mount=/proc/${this.holder.pid}/ns/mnt`, '--', ...argv], opts);
  }

  /** Mounts an overlay of `lower` on `merged` (writes go to `upper`: the cached root stays pristine). */
  async mountOverlay(dirs: {lower: string; upper: string; work: string; merged: string}): Promise<void> {
    const {lower, upper, work, merged} = dirs;
    await this.run([
      'mount',
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${upper},workdir=${work}`,
      merged,
    ]);
  }

  async stop(): Promise<void> {
    this.holder.kill('SIGKILL');
    await this.holder;
  }
}
