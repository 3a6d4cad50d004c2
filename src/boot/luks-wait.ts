// While unlock-oem / unlock-volumes wait for their volumes: what one look at the machine settles
// for each volume. A plain filesystem immucore itself recognised with the volume's label settles it
// at once, before any LUKS header is read (a plain OEM or COS_PERSISTENT, the common case, costs one
// superblock scan and no header scan); a mapper (dm-*) with the label may be a container opened
// already, and a device only udev's link names may be a raw LUKS device whose header carries the
// label (kairos-io/kairos#4033), so those are decided from the headers.
import {decideUnlock, type KcryptConfig, type LuksContainer, type UnlockDecision} from './luks.ts';

/** How a look by label found a volume (Sys.lookupDevices): `undefined` when nothing carries it. */
export type VolumeLookup = {device: string; bySuperblock: boolean} | 'duplicate' | undefined;

/** True when the lookup alone says: plain filesystem, no LUKS header needs reading. */
export function settledWithoutHeaders(lookup: VolumeLookup): boolean {
  if (lookup === 'duplicate') return true; // the mount names both devices; the wait is over
  return lookup?.bySuperblock === true && !/^\/dev\/(dm-|mapper\/)/.test(lookup.device);
}

/**
 * The decision for one volume from one look, or `undefined` while neither it nor its container is
 * there. `containers` is `undefined` when no header scan was needed this time.
 */
export function decideLooked(
  volume: string,
  lookup: VolumeLookup,
  containers: readonly LuksContainer[] | undefined,
  config: KcryptConfig,
): UnlockDecision | undefined {
  if (settledWithoutHeaders(lookup)) return {kind: 'none', volume};
  const d = decideUnlock(volume, containers ?? [], config);
  if (d.kind !== 'none') return d;
  return lookup === undefined ? undefined : d;
}
