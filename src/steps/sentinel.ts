// The sentinel tells the booted system which state it runs in (/run/cos/active_mode and so on);
// Kairos services and cloud-configs test for it.
import type {StepContext} from './context.ts';
import {writeUpgradeFailureSentinel} from './read-assessment.ts';

export async function writeSentinel(ctx: StepContext): Promise<void> {
  const path = `/run/cos/${ctx.plan.state.sentinel}`;
  await ctx.sys.mkdirp('/run/cos');
  await ctx.sys.writeText(path, '1');
  ctx.log.info(`wrote ${path}`);
  await writeUpgradeFailureSentinel(ctx);
}
