// rd.immucore.break=<step>: a shell on the console before the step runs; exiting it resumes the
// boot. The unit's own stdin is /dev/null, so the shell is given the console itself, and the
// unit's start timeout (TimeoutStartSec, a guard against a hung boot) is pushed back while the
// shell is open, or systemd would kill a real debugging session.
import type {Logger} from '../log/logger.ts';
import {notifyArgs, terminalShellArgs} from '../sys/argv.ts';
import type {Sys} from '../sys/sys.ts';

export const CONSOLE = '/dev/console';

/**
 * While the shell is open, the start timeout is moved to now + EXTEND every KEEPALIVE
 * (systemd-notify EXTEND_TIMEOUT_USEC, which the unit accepts with NotifyAccess=all); once the
 * shell exits, what is left of the boot has between 5 and 10 minutes, as much as the unit's
 * TimeoutStartSec gave the whole boot.
 */
export const EXTEND_TIMEOUT_MS = 10 * 60_000;
export const KEEPALIVE_MS = 5 * 60_000;

export interface BreakShellOptions {
  sys: Sys;
  log: Logger;
  step: string;
  /** In the initramfs: outside it (tests, `--root`), no shell opens. */
  live: boolean;
}

/**
 * Opens the shell and waits for it to exit. Not cancelled by SIGTERM (an interactive shell ignores
 * it): a unit stopped meanwhile ends it with the SIGKILL of KillMode=mixed.
 */
export async function runBreakShell({sys, log, step, live}: BreakShellOptions): Promise<void> {
  if (!live) {
    log.warn(`rd.immucore.break=${step}: a break shell only opens in the initramfs, ignoring.`);
    return;
  }
  log.warn(`rd.immucore.break=${step}: stopped before ${step}; exit the shell on the console to go on`);
  const status = `break shell before ${step} on ${CONSOLE}; exit it to go on`;
  const extend = () => extendStartTimeout(sys, log, status);
  await extend();
  const keepalive = setInterval(extend, KEEPALIVE_MS);
  try {
    await sys.run(terminalShellArgs(CONSOLE), {
      env: {PS1: `immucore break (${step}) # `},
      okExitCodes: Array.from({length: 256}, (_, i) => i),
    });
    log.info(`rd.immucore.break=${step}: the shell exited, going on with ${step}`);
  } catch (err) {
    log.error(
      `rd.immucore.break=${step}: the shell failed: ${(err as Error).message}; going on with ${step}`,
    );
  } finally {
    clearInterval(keepalive);
  }
}

async function extendStartTimeout(sys: Sys, log: Logger, status: string): Promise<void> {
  try {
    await sys.run(notifyArgs({EXTEND_TIMEOUT_USEC: String(EXTEND_TIMEOUT_MS * 1000), STATUS: status}));
  } catch (err) {
    log.warn(
      `cannot push back the unit's start timeout (${(err as Error).message}): systemd may stop the shell at TimeoutStartSec, ignoring.`,
    );
  }
}
