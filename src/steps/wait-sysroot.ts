// Live and netboot media: dracut mounts /sysroot itself; immucore waits for it to appear.
// SPEC §4 fixes this as a 100 ms poll: /sysroot/system appears inside a mount that dracut's own
// scripts make, with no event immucore could wait on.
import {BootError} from '../boot/errors.ts';
import type {StepContext} from './context.ts';

const POLL_MS = 100;

export async function waitSysroot(ctx: StepContext): Promise<void> {
  const limitMs = ctx.plan.config.sysrootWaitSec * 1000;
  const start = Date.now();
  while (!(await ctx.sys.exists('/sysroot/system'))) {
    if (Date.now() - start >= limitMs) {
      throw new BootError(`/sysroot/system did not appear within ${ctx.plan.config.sysrootWaitSec} s`, {
        hint: 'Check the live:/root= stanza that dracut mounts /sysroot from, or raise rd.immucore.sysrootwait=<seconds>.',
      });
    }
    await pause(POLL_MS, ctx.signal);
  }
  ctx.log.info(`/sysroot is ready after ${Date.now() - start} ms`);
}

/**
 * timers/promises' setTimeout: resolves after `ms`, or rejects with an AbortError when the boot is
 * stopped. Written out because importing node:timers/promises cost every boot ~2-3 ms of CPU at
 * start, for a wait only the live plan makes.
 */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(
        Object.assign(new Error('The operation was aborted', {cause: signal.reason}), {name: 'AbortError'}),
      );
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, {once: true});
  });
}
