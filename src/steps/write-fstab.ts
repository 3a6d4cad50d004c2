// /sysroot/etc/fstab: every mount immucore made, so the booted system's mount units know them.
import {planFstabEntries, renderFstab} from '../boot/fstab.ts';
import {LAYOUT_FILE} from '../boot/layout.ts';
import {SYSROOT} from '../boot/plan.ts';
import type {MountMade} from '../report/boot-report.ts';
import type {StepContext} from './context.ts';

export async function writeFstab(ctx: StepContext): Promise<void> {
  const mounts = withoutRepeats(ctx.boot.mounts).map(({source, target, fstype, options}) => ({
    source,
    target,
    fstype,
    options,
  }));
  const text = renderFstab(mounts, `the kernel command line and ${LAYOUT_FILE}`);
  await ctx.sys.writeText(`${SYSROOT}/etc/fstab`, text, {mode: 0o644});
  ctx.log.info(`wrote ${SYSROOT}/etc/fstab (${planFstabEntries(mounts).length} mounts)`);
}

// A mount found `already` on a target immucore mounted earlier is that same kernel mount: it keeps
// the earlier line's place (before the mounts below it), where "the last one wins" would move it.
function withoutRepeats(mounts: MountMade[]): MountMade[] {
  return mounts.filter(
    (m, i) => m.result !== 'already' || !mounts.slice(0, i).some((e) => e.target === m.target),
  );
}
