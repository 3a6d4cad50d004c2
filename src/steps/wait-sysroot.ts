// Live and netboot media: dracut mounts /sysroot itself; immucore waits for it to appear.
// SPEC §4 fixes this as a 100 ms poll: /sysroot/system appears inside a mount that dracut's own
// scripts make, with no event immucore could wait on.
import {setTimeout as delay} from 'node:timers/promises';
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
    await delay(POLL_MS, undefined, {signal: ctx.signal});
  }
  ctx.log.info(`/sysroot is ready after ${Date.now() - start} ms`);
}
