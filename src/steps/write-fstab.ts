// /sysroot/etc/fstab: every mount immucore made, so the booted system's mount units know them.
import {renderFstab} from '../boot/fstab.ts';
import {LAYOUT_FILE} from '../boot/layout.ts';
import {SYSROOT} from '../boot/plan.ts';
import type {StepContext} from './context.ts';

export async function writeFstab(ctx: StepContext): Promise<void> {
  const text = renderFstab(
    ctx.boot.mounts.map(({source, target, fstype, options}) => ({source, target, fstype, options})),
    `the kernel command line and ${LAYOUT_FILE}`,
  );
  await ctx.sys.writeText(`${SYSROOT}/etc/fstab`, text, {mode: 0o644});
  ctx.log.info(`wrote ${SYSROOT}/etc/fstab (${ctx.boot.mounts.length} mounts)`);
}
