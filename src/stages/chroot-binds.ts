// The initramfs stage runs chrooted in /sysroot, which needs the kernel's filesystems and the
// initramfs's /run and /tmp: bound in before the first step, unbound after the last, also when a
// step failed or the stage was stopped. Plain (non-recursive) binds, and the submounts a stage
// needs bound one by one after their parent: unmounting a recursive copy of a shared /run could
// propagate to the real one.
import type {Logger} from '../log/logger.ts';
import type {Sys} from '../sys/sys.ts';

/**
 * In bind order, parents first. /dev/pts and /dev/shm: a tool that opens a pty or POSIX shared
 * memory. /run/initramfs/live (the live medium dracut's dmsquash-live mounted) and /run/rootfsbase
 * (the squashfs under a live root's overlay): what a live or recovery medium's stage reads, e.g. to
 * install from it. Only those that exist here are bound.
 */
export const CHROOT_BINDS = [
  '/dev',
  '/dev/pts',
  '/dev/shm',
  '/proc',
  '/sys',
  '/run',
  '/run/initramfs/live',
  '/run/rootfsbase',
  '/tmp',
];

export interface ChrootBinds {
  /** Targets bound by us (not those that already held their source), in bind order. */
  made: string[];
  /** Binds that could not be made: the stage still runs, without them. */
  problems: Array<{item: string; message: string; hint: string}>;
}

export async function bindChroot(sys: Sys, root: string, log: Logger): Promise<ChrootBinds> {
  const out: ChrootBinds = {made: [], problems: []};
  for (const dir of CHROOT_BINDS) {
    const target = `${root}${dir}`;
    try {
      if (!(await sys.exists(dir))) {
        log.debug(`${dir} does not exist here, not binding it into ${root}`);
        continue;
      }
      // dmsquash-live makes /run/rootfsbase a link to /run/initramfs/live when the medium is the
      // root itself: the stage sees the link through the /run bind, and binding over it would
      // mount on its target a second time.
      if ((await sys.readlink(dir)) !== undefined) {
        log.debug(`${dir} is a symlink, seen through its parent's bind in ${root}`);
        continue;
      }
      if (!(await sys.exists(target))) await sys.mkdirp(target);
      const result = await sys.mount({source: dir, target, fstype: 'none', options: ['bind']});
      if (result === 'mounted') out.made.push(target);
      log.debug(`${dir} bound at ${target}${result === 'already' ? ' (already)' : ''}`);
    } catch (err) {
      out.problems.push({
        item: target,
        message: `cannot bind ${dir} at ${target}: ${(err as Error).message}; the stage runs without it`,
        hint: `Add the directory ${dir} to the image, so the initramfs stage can see it.`,
      });
    }
  }
  return out;
}

/** Unbind in reverse order; a busy bind (a process left running by a step) is detached lazily. */
export async function unbindChroot(sys: Sys, made: string[], log: Logger): Promise<string[]> {
  const failed: string[] = [];
  for (const target of [...made].reverse()) {
    try {
      await sys.unmount(target);
    } catch (err) {
      log.warn(`cannot unmount ${target} (${(err as Error).message}); detaching it lazily`);
      try {
        await sys.unmount(target, {lazy: true});
      } catch (again) {
        failed.push(`${target}: ${(again as Error).message}`);
      }
    }
  }
  return failed;
}
