// After the failure screen (SPEC §9): hold it until a key is pressed on the console or the hold
// runs out, then reboot (or power off) through systemd, as decideFailureAction says; or leave the
// initrd to dracut's emergency target (its shell, or its halt) by returning at once.
import type {FailureAction} from '../boot/failure-action.ts';
import type {Logger} from '../log/logger.ts';
import type {Sys} from '../sys/sys.ts';
import {CONSOLE} from './break-shell.ts';

export interface AfterFailureOptions {
  sys: Sys;
  log: Logger;
  action: FailureAction;
  signal: AbortSignal;
  /** In the initramfs: outside it (tests, `--root`), nothing is held and nothing reboots. */
  live: boolean;
}

export async function runAfterFailure({sys, log, action, signal, live}: AfterFailureOptions): Promise<void> {
  if (action.kind === 'shell' || action.kind === 'halt' || action.kind === 'stay') return;
  const verb = action.ending === 'reboot' ? 'rebooting' : 'powering off';
  if (!live) {
    log.warn(`${action.reason}: not ${verb} outside the initramfs, ignoring.`);
    return;
  }
  log.info(
    `${action.reason}: holding the failure screen ${action.holdSec} s, or until a key is pressed on ${CONSOLE}`,
  );
  const waited = await sys
    .waitForKey(CONSOLE, {timeoutMs: action.holdSec * 1000, signal, prompt: keyPrompt(action.holdSec, verb)})
    .catch(async (err: Error) => {
      if (signal.aborted) return 'cancelled' as const;
      // No key can end the hold: it runs out, or the screen would be gone before anyone read it.
      log.warn(`cannot read a key on ${CONSOLE} (${err.message}): holding the full ${action.holdSec} s`);
      await holdFor(action.holdSec * 1000, signal);
      return 'timeout' as const;
    });
  if (waited === 'cancelled' || signal.aborted) {
    log.warn(`stopped (SIGTERM) while holding the failure screen: not ${verb}`);
    return;
  }
  log.info(
    waited === 'key' ? `a key was pressed: ${verb} now` : `no key within ${action.holdSec} s: ${verb} now`,
  );
  // --no-block: the job is queued (irreversibly, as systemctl reboot does) and immucore exits
  // with the boot's failure, which stops the initrd until the reboot takes it down.
  await sys
    .run(['systemctl', '--no-block', action.ending])
    .catch((err: Error) => log.error(`systemctl ${action.ending} failed: ${err.message}`));
}

/** Printed by the key reader once it reads: from then on a key ends the hold. */
export function keyPrompt(holdSec: number, verb: string): string {
  return `immucore: waiting ${holdSec} s for a key on ${CONSOLE}, then ${verb}\r\n`;
}

/** The bound of a hold whose key cannot be read; ends early on SIGTERM. */
function holdFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      {once: true},
    );
  });
}
