// The recovery root as a squashfs, the way Kairos can ship its recovery system: the tree of
// recovery.img (marker "recovery"), which dracut's dmsquash-live boots with
// root=live:LABEL=COS_RECOVERY rd.live.dir=/ rd.live.squashimg=recovery.squashfs. Made from
// recovery.img mounted read-only in a private mount namespace; cached by the image set.
import {mkdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {cachedDir, hashInputs} from './cache.ts';
import type {ImageSet} from './image.ts';
import {timed} from './log.ts';
import {MountNamespace} from './namespace.ts';

const RECIPE = 'squashfs-v1';
// zstd at a low level: the kernel reads it fast under TCG, and it builds in seconds on 2 cores.
const MKSQUASHFS_ARGS = ['-comp', 'zstd', '-Xcompression-level', '3', '-noappend', '-quiet', '-no-progress'];

export async function buildRecoverySquashfs(images: ImageSet): Promise<string> {
  const key = hashInputs([RECIPE, images.dir, ...MKSQUASHFS_ARGS]);
  const dir = await cachedDir('squashfs-recovery', key, async (tmp) => {
    const mnt = join(tmp, 'mnt');
    await mkdir(mnt);
    const ns = await MountNamespace.start();
    try {
      await ns.run(['mount', '-o', 'loop,ro', images.images.recovery, mnt]);
      await timed('mksquashfs recovery', () =>
        ns.run(['mksquashfs', mnt, join(tmp, 'recovery.squashfs'), ...MKSQUASHFS_ARGS]),
      );
    } finally {
      await ns.stop();
    }
    await rm(mnt, {recursive: true});
  });
  return join(dir, 'recovery.squashfs');
}
