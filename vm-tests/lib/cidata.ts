// A NoCloud seed as cloud-init and yip's `cdrom` datasource read it: an ISO9660 image with the
// volume id `cidata` holding `user-data` and `meta-data`, made with xorriso (Debian's apt) from
// files written here; no mount, so the host needs no iso9660 driver. Cached by its content.
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {cachedDir, hashInputs} from './cache.ts';
import {runBuild} from './exec.ts';

const RECIPE = 'cidata-v1';

export interface Seed {
  /** `user-data`: a `#cloud-config` or a script. */
  userData: string;
  /** `meta-data` (cloud-init's instance id and such). */
  metaData: string;
}

/** Builds (or finds in the cache) `cidata.iso` holding this seed; `name` names the cache entry. */
export async function buildCidataIso(name: string, seed: Seed): Promise<string> {
  const key = hashInputs([RECIPE, seed.userData, seed.metaData]);
  const dir = await cachedDir(`cidata-${name}`, key, async (tmp) => {
    const tree = join(tmp, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'user-data'), seed.userData);
    await writeFile(join(tree, 'meta-data'), seed.metaData);
    // -J -r: Joliet and Rock Ridge names, as cloud-localds and genisoimage recipes make them.
    await runBuild([
      'xorriso',
      '-as',
      'mkisofs',
      '-quiet',
      '-V',
      'cidata',
      '-J',
      '-r',
      '-o',
      join(tmp, 'cidata.iso'),
      tree,
    ]);
  });
  return join(dir, 'cidata.iso');
}
