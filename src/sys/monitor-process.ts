// The long-lived event source of a device wait (`udevadm monitor`, src/sys/wait-device.ts):
// started, told about each chunk it prints, about its failure to start or its exit, and stopped.
// node:child_process under node; Bun.spawn in the compiled binary, for the reason
// src/sys/bun-spawn.ts gives (a stdout 'data' listener alone made bun build its stream objects).
import {type BunSpawn, bunSpawn} from './bun-spawn.ts';
import {spawn} from './child-process.ts';

export interface MonitorHandlers {
  /** It printed something (a header line, a uevent). */
  onOutput: () => void;
  /** It could not start: the runtime's error message. */
  onError: (message: string) => void;
  /** It ended: its signal, or else its exit code. */
  onExit: (how: NodeJS.Signals | number | null) => void;
}

/** Starts `argv` with stdout piped (stdin and stderr /dev/null); returns what stops it (SIGTERM). */
export type StartMonitor = (argv: readonly string[], on: MonitorHandlers) => () => void;

export const startMonitorWithChildProcess: StartMonitor = ([cmd = '', ...args], on) => {
  const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'ignore']});
  child.on('error', (err) => on.onError(err.message));
  child.on('exit', (code, sig) => on.onExit(sig ?? code));
  child.stdout.on('data', () => on.onOutput());
  return () => {
    child.stdout.destroy();
    child.kill('SIGTERM');
  };
};

export function startMonitorWithBun(bun: BunSpawn): StartMonitor {
  return ([cmd = '', ...args], on) => {
    let proc: ReturnType<BunSpawn>;
    try {
      proc = bun([cmd, ...args], {stdin: 'ignore', stdout: 'pipe', stderr: 'ignore', env: process.env});
    } catch (e) {
      // node:child_process reports this on the next tick; so do we.
      const message = (e as Error).message;
      queueMicrotask(() => on.onError(message));
      return () => {};
    }
    const reader = proc.stdout?.getReader();
    let stopped = false;
    void (async () => {
      try {
        while (reader && !stopped) {
          const {done} = await reader.read();
          if (done || stopped) return;
          on.onOutput();
        }
      } catch {
        // cancelled by the stop
      }
    })();
    void proc.exited.then(() => on.onExit(proc.signalCode ?? proc.exitCode));
    return () => {
      stopped = true;
      void reader?.cancel().catch(() => {});
      proc.kill('SIGTERM');
    };
  };
}

/** The way the runtime spawns best (Bun.spawn under bun). */
export function startMonitor(argv: readonly string[], on: MonitorHandlers): () => void {
  const bun = bunSpawn();
  return (bun ? startMonitorWithBun(bun) : startMonitorWithChildProcess)(argv, on);
}
