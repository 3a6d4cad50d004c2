// Disks for the issue-13 scenarios that boot with more than one disk: the standard layout with
// COS_PERSISTENT on a disk of its own (plugged in late: a slow device), and a stranger's stick
// that carries COS_STATE and COS_PERSISTENT too (duplicate labels). Each is a small raw GPT disk
// in the cache, booted through its own qcow2 overlay like the main disk.
import {join} from 'node:path';
import {CACHE_DIR} from './cache.ts';
import {buildDisk} from './disk.ts';
import {standardLayout} from './fixtures.ts';
import type {ImageSet} from './image.ts';
import {createOverlay} from './qemu.ts';

/** The standard disk without COS_PERSISTENT: OEM, recovery and state. */
export async function buildNoPersistentDisk(images: ImageSet): Promise<string> {
  return buildDisk('no-persistent', standardLayout(images, {COS_PERSISTENT: null}));
}

/** A disk holding only COS_PERSISTENT (partition 2, after the BIOS boot partition): /dev/vdb2. */
export async function buildPersistentOnlyDisk(): Promise<string> {
  return buildDisk('persistent-only', [{label: 'COS_PERSISTENT', content: {kind: 'empty'}, extraMiB: 64}]);
}

/**
 * A stick from another install: empty COS_STATE (partition 2) and COS_PERSISTENT (partition 3).
 * Mounting its COS_STATE would find no image; its COS_PERSISTENT would hide the machine's data.
 */
export async function buildStrangerStick(): Promise<string> {
  return buildDisk('stranger-stick', [
    {label: 'COS_STATE', content: {kind: 'empty'}},
    {label: 'COS_PERSISTENT', content: {kind: 'empty'}},
  ]);
}

/** A fresh overlay of a second disk, named after the boot: <cache>/overlays/<name>.qcow2. */
export function secondDiskOverlay(base: string, name: string): Promise<string> {
  return createOverlay(base, join(CACHE_DIR, 'overlays', `${name}.qcow2`));
}
