// Seeding a persistent state dir from the booted image (SPEC §5). On first use the image's path is
// copied whole, the directory itself included; when a later boot runs another image (an upgrade or
// a rollback), what that image added or changed comes in, never over a file the user changed and
// never bringing back one the user deleted (src/boot/seed.ts decides). The same image as last time
// costs two small reads and no walk: this runs on every boot, on the critical path.
//
// Beside the state dirs, in `<state target>/.immucore/`: `<n>.seeded-from` (the identity of the
// image that last seeded `<n>`), `<n>.seed.json` (what it copied) and, during a seed only,
// `<n>.staging/`. Copies land in the staging dir, are flushed (syncfs) and only then renamed into
// place, so no half-copied file ever sits in the state dir, not even after a power loss: ext4
// commits a rename in its journal within seconds but writes delayed-allocation data up to 30 s
// later, so a rename before the flush can leave an empty or short file under its final name, which
// the next seed would take for the user's. The manifest and then the identity are written last, so a
// seed cut short by a power loss or a full disk runs again, and picks up where it stopped, on the
// next boot.
import path from 'node:path';
import {decideSeed, noCounts, planStatePaths, type SeedCounts} from '../boot/seed.ts';
import {parseManifest, renderManifest} from '../boot/seed-manifest.ts';
import {type Sys, SysError} from '../sys/sys.ts';

/** Where the seed records live, under the persistent state target. */
export const SEED_DIR = '.immucore';

export interface SeedJob {
  /** The persistent path: `/etc/ssh`. */
  path: string;
  /** The state dir's name, which names its records: `etc-ssh.bind`. */
  name: string;
  /** Sys paths, already resolved: the image's content of the path, the state dir, the records dir. */
  source: string;
  stateDir: string;
  seedDir: string;
  /** The booted image's identity; undefined when it cannot be told (every boot then compares). */
  image: string | undefined;
  /**
   * Called once before files are copied (not for a seed of directories only): a copy of a big
   * path takes seconds, and the console should say why the boot pauses there.
   */
  onCopy?: (copy: {entries: number; bytes: number}) => void;
}

export interface SeedResult {
  /** `unchanged`: seeded from this image already; `first`: a new state dir; `update`: another image. */
  kind: 'unchanged' | 'first' | 'update';
  /** The identity recorded before this seed. */
  previous?: string;
  counts: SeedCounts;
  /** Why the manifest could not be read; the seed then treated the state dir as unrecorded. */
  manifestProblem?: string;
  /** An earlier seed was cut short (a power loss, a kill): its staging dir was found and removed. */
  cutShort?: true;
}

export function seedFiles(job: Pick<SeedJob, 'name' | 'seedDir'>) {
  const at = (suffix: string) => path.posix.join(job.seedDir, `${job.name}${suffix}`);
  return {marker: at('.seeded-from'), manifest: at('.seed.json'), staging: at('.staging')};
}

/** Seed `job.stateDir` from `job.source` as needed; see the top of this file. */
export async function seedStateDir(sys: Sys, job: SeedJob): Promise<SeedResult> {
  const files = seedFiles(job);
  const [recorded, there] = await Promise.all([sys.readText(files.marker), sys.exists(job.stateDir)]);
  const previous = recorded?.trim() || undefined;
  if (there && job.image !== undefined && previous === job.image)
    return {kind: 'unchanged', counts: noCounts()};

  await sys.mkdirp(job.seedDir);
  // A seed cut short leaves its staging dir: immucore's own scratch, never the user's.
  const cutShort = await sys.removeScratch(files.staging);
  const image = await sys.listTree(job.source);
  if (!image) {
    throw new SysError(`Cannot seed ${job.stateDir}: ${job.source} does not exist`, {
      code: 'ENOENT',
      hint: `Create ${job.path} in the image, or in a writable layer before this step.`,
    });
  }
  let result: SeedResult;
  let entries = image;
  let manifestText: string | undefined;
  try {
    if (!there) {
      const data = [...image.values()].some((e) => e.type !== 'dir');
      if (data) job.onCopy?.({entries: image.size - 1, bytes: sumSizes(image, image.keys())});
      await sys.copyTree(job.source, files.staging);
      // Only directories (most first seeds: an empty mountpoint): metadata, which the journal
      // commits in order, before the rename and the records; there is no file data to flush.
      if (data) await sys.syncFs(files.staging);
      await sys.rename(files.staging, job.stateDir);
      result = {kind: 'first', counts: {...noCounts(), added: image.size - 1}};
    } else {
      manifestText = await sys.readText(files.manifest);
      const parsed = manifestText === undefined ? undefined : parseManifest(manifestText);
      const manifest = parsed && 'value' in parsed ? parsed.value.entries : undefined;
      const state = await sys.statEntries(job.stateDir, planStatePaths(image, manifest));
      const plan = decideSeed(image, state, manifest);
      if (plan.copy.length > 0) {
        job.onCopy?.({entries: plan.copy.length, bytes: sumSizes(image, plan.copy)});
        await sys.mkdirp(files.staging);
        await sys.copyEntries(job.source, plan.copy, files.staging);
        await sys.syncFs(files.staging);
        for (const p of plan.copy) await sys.rename(`${files.staging}/${p}`, `${job.stateDir}/${p}`);
      }
      for (const a of plan.attributes) await sys.setAttributes(path.posix.join(job.stateDir, a.path), a);
      entries = plan.manifest;
      result = {
        kind: 'update',
        counts: plan.counts,
        ...(parsed && 'error' in parsed ? {manifestProblem: parsed.error} : {}),
      };
    }
  } finally {
    // Give the space back at once: a seed that hit a full disk must not keep it full.
    await sys.removeScratch(files.staging).catch(() => undefined);
  }
  // The data was flushed before its rename; renames and attributes are metadata, which the journal
  // commits before the manifest's own (flushed) write. An upgrade that left this path alone (most
  // of them) copied nothing, and costs only the identity.
  const text = renderManifest({path: job.path, entries});
  if (text !== manifestText) await sys.writeText(files.manifest, text, {atomic: true});
  // Unflushed: lost to a power loss, the identity is only read as "another image", and the seed
  // runs again and finds everything already in place. Flushing it cost ~15 ms per path per upgrade.
  if (job.image !== undefined) await sys.writeText(files.marker, `${job.image}\n`, {atomic: 'unflushed'});
  return {...result, ...(previous ? {previous} : {}), ...(cutShort ? {cutShort} : {})};
}

/** The bytes of the listed entries' files. */
function sumSizes(listing: Map<string, {size: number}>, paths: Iterable<string>): number {
  let bytes = 0;
  for (const p of paths) bytes += listing.get(p)?.size ?? 0;
  return bytes;
}
