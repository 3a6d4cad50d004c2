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
// next boot. A boot writes the records of all its paths together, once every path is seeded
// (SeedRecords below): one flush of the volume for all the manifests instead of one fsync each.
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

/**
 * The records of the seeds of one boot, written together by `commit` once every path is seeded:
 * first every manifest, under a temp name, then one syncfs of the volume, then each renamed into
 * place; then every identity, unflushed. Why this is as safe as a flushed record per path:
 * - a manifest's data is on disk before its rename names it (the one syncfs comes first), so a
 *   power loss leaves the old manifest or the new one, never an empty one;
 * - each state dir's own data was flushed before its rename (seedStateDir), and its renames are
 *   metadata the journal commits in order, before the manifests' renames, which come later;
 * - an identity is renamed into place after every manifest's rename, so the journal cannot hold it
 *   without them: a boot never finds "seeded from this image" above a manifest that was lost;
 * - a power loss before the commit leaves state dirs whose records are the old ones or none: the
 *   next boot compares them as another image's, finds what was moved in already the image's (as
 *   after a seed cut short between its renames and its records, which was always possible), and
 *   copies nothing twice. Only the report of that boot says `update` where it would say `unchanged`.
 */
export class SeedRecords {
  private manifests: Array<{path: string; text: string}> = [];
  private markers: Array<{path: string; text: string}> = [];
  /** The persistent paths whose records wait for `commit`. */
  paths: string[] = [];

  /** Queue a seed's records: a file left out is already what it should be. */
  add(persistentPath: string, records: {manifest?: File; marker?: File}): void {
    if (!records.manifest && !records.marker) return;
    this.paths.push(persistentPath);
    if (records.manifest) this.manifests.push(records.manifest);
    if (records.marker) this.markers.push(records.marker);
  }

  /** Write what was queued (see above); the queue is empty afterwards, written or not. */
  async commit(sys: Sys): Promise<void> {
    const [manifests, markers] = [this.manifests, this.markers];
    [this.manifests, this.markers, this.paths] = [[], [], []];
    const dirs = new Set([...manifests, ...markers].map((f) => path.posix.dirname(f.path)));
    if (dirs.size > 0) await sys.mkdirp(...dirs);
    if (manifests.length > 0) await sys.writeTextsAtomic(manifests, {flush: true});
    // Unflushed: lost to a power loss, an identity is only read as "another image", and the seed
    // runs again and finds everything already in place. Flushing cost ~15 ms per path per upgrade.
    if (markers.length > 0) await sys.writeTextsAtomic(markers, {flush: false});
  }
}

type File = {path: string; text: string};

/**
 * Seed `job.stateDir` from `job.source` as needed; see the top of this file. Its records go to
 * `records`, for the caller to commit with the other paths'; without, they are written here.
 */
export async function seedStateDir(sys: Sys, job: SeedJob, records?: SeedRecords): Promise<SeedResult> {
  if (!records) {
    const own = new SeedRecords();
    const result = await seedStateDir(sys, job, own);
    await own.commit(sys);
    return result;
  }
  const files = seedFiles(job);
  const there = await sys.exists(job.stateDir);
  // Without a state dir (a first boot) the identity is seldom there: a lookup, not a failed read.
  const recorded = there || (await sys.exists(files.marker)) ? await sys.readText(files.marker) : undefined;
  const previous = recorded?.trim() || undefined;
  if (there && job.image !== undefined && previous === job.image)
    return {kind: 'unchanged', counts: noCounts()};

  // A seed cut short leaves its staging dir: immucore's own scratch, never the user's. The records
  // dir is made by the copy (the staging dir's parent) or by the records' commit.
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
  records.add(job.path, {
    ...(text !== manifestText ? {manifest: {path: files.manifest, text}} : {}),
    ...(job.image !== undefined ? {marker: {path: files.marker, text: `${job.image}\n`}} : {}),
  });
  return {...result, ...(previous ? {previous} : {}), ...(cutShort ? {cutShort} : {})};
}

/** The bytes of the listed entries' files. */
function sumSizes(listing: Map<string, {size: number}>, paths: Iterable<string>): number {
  let bytes = 0;
  for (const p of paths) bytes += listing.get(p)?.size ?? 0;
  return bytes;
}
