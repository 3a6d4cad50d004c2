// Waiting for a device on events, never on a timer: a kernel uevent (udevadm monitor), or a new
// entry in /dev/disk/by-* where udev runs, triggers one more lookup. The only timer is the timeout.
import type {FSWatcher} from 'node:fs';
import {startMonitor} from './monitor-process.ts';
import {existsSync, watch} from './node-fs.ts';
import {SysError, type WaitOptions} from './sys.ts';

/** Where to hear about new devices. */
export interface DeviceEvents {
  /** Directories to watch with inotify (only those that exist are watched). */
  watchDirs: readonly string[];
  /** A long-lived process that prints a line per block uevent, or `undefined` for none. */
  monitorArgv?: readonly string[];
}

/** Block uevents, as udevadm prints them without udevd running. */
export const UDEVADM_MONITOR = ['udevadm', 'monitor', '--kernel', '--subsystem-match=block'] as const;

/** Block events once udevd has handled them (its links are made by then). */
export const UDEVADM_MONITOR_UDEV = ['udevadm', 'monitor', '--udev', '--subsystem-match=block'] as const;

/** udevd's control socket: there while udevd runs. */
export const UDEV_CONTROL = '/run/udev/control';

/**
 * Resolve with the first answer of `find` that is not `undefined`: once now, then once more after
 * each event. Rejects with ETIMEDOUT after `timeoutMs`, with ABORT_ERR when `signal` aborts, or
 * with whatever `find` throws (two devices with one label). Watchers and the monitor are closed on
 * every way out.
 */
export async function waitForEvent(
  spec: string,
  find: () => Promise<string | undefined>,
  events: DeviceEvents,
  opts: WaitOptions,
): Promise<string> {
  opts.signal?.throwIfAborted();
  const first = await find();
  if (first !== undefined) return first;
  return new Promise<string>((resolve, reject) => {
    const cleanups: Array<() => void> = [];
    let done = false;
    let scanning = false;
    let again = false;
    let monitorProblem: string | undefined;

    const finish = (err: unknown, device?: string) => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      if (device !== undefined) resolve(device);
      else reject(err);
    };
    // Events come in bursts: one lookup at a time, and one more if an event arrived meanwhile.
    const rescan = async () => {
      if (done) return;
      if (scanning) {
        again = true;
        return;
      }
      scanning = true;
      try {
        do {
          again = false;
          const device = await find();
          if (device !== undefined) return finish(undefined, device);
        } while (again && !done);
      } catch (err) {
        finish(err);
      } finally {
        scanning = false;
      }
    };

    const timer = setTimeout(() => {
      const how = monitorProblem
        ? ` (${monitorProblem}; only inotify on ${events.watchDirs.join(', ')})`
        : '';
      finish(
        new SysError(`Device ${spec} did not appear within ${opts.timeoutMs} ms${how}`, {
          code: 'ETIMEDOUT',
          hint: 'Check that a filesystem carries that name: blkid -p -o export /dev/<device>, or lsblk -f; a slow disk may need a longer timeout on the kernel cmdline.',
        }),
      );
    }, opts.timeoutMs);
    cleanups.push(() => clearTimeout(timer));

    if (opts.signal) {
      const signal = opts.signal;
      const onAbort = () =>
        finish(new SysError(`Waiting for ${spec} was cancelled`, {code: 'ABORT_ERR', cause: signal.reason}));
      signal.addEventListener('abort', onAbort, {once: true});
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
      // It may have aborted while the first lookup ran: the event has fired already then.
      if (signal.aborted) onAbort();
    }
    // Finished already (aborted during the first lookup): start no watcher and no monitor, which
    // nothing would stop once `finish` has run its cleanups.
    if (done) return;

    for (const dir of events.watchDirs) {
      if (!existsSync(dir)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, () => void rescan());
      } catch {
        continue;
      }
      watcher.on('error', () => watcher.close());
      cleanups.push(() => watcher.close());
    }

    if (events.monitorArgv?.[0]) {
      const cmd = events.monitorArgv[0];
      // Every line is news: the header says the monitor listens (look again, in case the device
      // came between the first look and now), each later line is a uevent.
      const stop = startMonitor(events.monitorArgv, {
        onOutput: () => void rescan(),
        onError: (message) => {
          monitorProblem = `${cmd} could not start: ${message}`;
        },
        onExit: (how) => {
          if (!done) monitorProblem = `${cmd} exited early (${how})`;
        },
      });
      cleanups.push(stop);
    }
    // A device that came while the watchers were being set up.
    void rescan();
  });
}
