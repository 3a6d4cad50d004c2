// Issue 13, scenario 5: COS_PERSISTENT has about 1 MiB free (lib/full-volume.ts: a filler file)
// and the seed needs more: the layout adds the image's package database, /var/lib/dpkg (~7 MiB),
// to the persistent paths (agent/cloud-config/persistent-full.yaml). Boot 1: the default paths fit
// and are bound; /var/lib/dpkg fails alone naming ENOSPC, nothing half-copied is left, the boot is
// degraded. At its break shell the harness then deletes the filler (as the machine's owner would)
// before the guest is stopped. Boot 2, same overlay: the seed completes, /var/lib/dpkg is bound
// with the image's files. Both boots end in the initramfs (lib/initramfs-watch.ts): what matters
// is settled by then.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import type {BootReport} from '../src/report/boot-report.ts';
import {CACHE_DIR} from './lib/cache.ts';
import {runBuild} from './lib/exec.ts';
import {diskCmdline} from './lib/expect-boot.ts';
import {bootDisk, buildImageSet} from './lib/fixtures.ts';
import {buildFullPersistentDisk, FILLER, FREE_BYTES, KERNEL_RESERVE_BYTES} from './lib/full-volume.ts';
import {
  detached,
  type InitramfsFacts,
  PORT,
  readInitramfsFacts,
  WATCH_END,
  watcherScript,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import {readSections, sectionMark} from './lib/port-sections.ts';
import {type BootResult, createOverlay} from './lib/qemu.ts';

const NAME = 'persistent-full';
const CONFIG = 'kairos.config_url=/system/immucore-test/persistent-full.yaml';
const BIG = '/var/lib/dpkg';
const STATE = PERSISTENT_STATE_TARGET; // /usr/local/.state
// One digest of every file under a directory (path and content), the same in the guest and here.
const DIGEST = 'find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha1sum | sha1sum | cut -d" " -f1';
const SECTIONS = ['STATFS', 'STATE', 'RECORDS', 'DIGEST', 'END'];

/**
 * Typed at the report break: what the volume holds, printed on ttyS1 before the watcher's report
 * (chrooted in /sysroot for the image's coreutils; statfs needs no /proc), then `after` (there too).
 */
function volumeFacts(after: string[]): string {
  const [statfs, state, records, digest, end] = SECTIONS.map((s) => sectionMark('VOLUME', s));
  const script = [
    statfs,
    'stat -f -c "%S %f" /usr/local',
    state,
    `ls -1A ${STATE}`,
    records,
    `ls -1A ${STATE}/.immucore`,
    digest,
    `cd ${BIG} && ${DIGEST}`,
    end,
    ...after,
  ].join('; ');
  return `chroot /sysroot sh -c '${script}' >${PORT} 2>&1; ${detached(watcherScript(), PORT)} exit\n`;
}

interface VolumeFacts {
  freeBytes: number;
  stateDirs: string[];
  records: string[];
  digest: string;
}

function readVolumeFacts(name: string): VolumeFacts {
  const s = readSections(name, 'VOLUME', SECTIONS);
  const [block = 0, free = 0] = (s.STATFS?.[0] ?? '').split(' ').map(Number);
  return {
    freeBytes: block * free,
    stateDirs: s.STATE ?? [],
    records: s.RECORDS ?? [],
    digest: s.DIGEST?.[0] ?? '',
  };
}

/** The same digest over the image's own /var/lib/dpkg (debugfs rdump: no mount needed). */
async function imageDigest(image: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'immucore-dpkg-'));
  try {
    await runBuild(['debugfs', '-R', `rdump ${BIG} ${dir}`, image]);
    return (await runBuild(['sh', '-c', `cd ${dir}/dpkg && ${DIGEST}`])).trim();
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

const seedOf = (report: BootReport, path: string) => report.seeds?.find((s) => s.path === path);

describe('a persistent volume too full for the seed', () => {
  const layout = expectedLayout('active_mode');
  const boots: BootResult[] = [];
  const seen: InitramfsFacts[] = [];
  const volume: VolumeFacts[] = [];
  let inImage = '';

  beforeAll(async () => {
    const images = await buildImageSet();
    const base = await buildFullPersistentDisk(images);
    const overlay = await createOverlay(base, join(CACHE_DIR, 'overlays', `${NAME}.qcow2`));
    inImage = await imageDigest(images.images.active);
    // Boot 1 frees the space once its facts are printed: rm, and sync so the qcow2 has it before
    // QEMU is stopped. Boot 2 only looks.
    for (const after of [[`rm /usr/local${FILLER}`, 'sync'], []]) {
      const name = `${NAME}-${boots.length + 1}`;
      boots.push(
        await bootDisk(images, base, {
          name,
          overlay,
          append: `${diskCmdline('active')} ${CONFIG} rd.immucore.break=report`,
          input: [{after: /immucore break \(report\) # /, send: volumeFacts(after)}],
          stopOn: WATCH_END,
          timeoutSec: 300,
        }),
      );
      seen.push(readInitramfsFacts(name));
      volume.push(readVolumeFacts(name));
    }
  });

  const volumeSource = (facts: InitramfsFacts) =>
    facts.mounts.find((m) => m.target === '/sysroot/usr/local')?.source;
  const bindSource = (facts: InitramfsFacts, path: string) =>
    `${volumeSource(facts)}[${STATE.slice('/usr/local'.length)}/${bindDirName(path)}]`;

  it('boot 1: binds every path that fits; /var/lib/dpkg fails alone naming ENOSPC; degraded', () => {
    const [boot, facts] = [boots[0], seen[0]];
    expect(boot?.timedOut).toBe(false);
    if (!facts) throw new Error('no facts from boot 1');
    expect(facts.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(facts.report.status).toBe('degraded');
    expect(facts.report.failures).toEqual([
      expect.objectContaining({
        step: 'mount-persistent',
        item: BIG,
        message: expect.stringMatching(
          /^Cannot seed the state dir \/usr\/local\/\.state\/var-lib-dpkg\.bind of \/var\/lib\/dpkg from the image: the persistent volume is full \(ENOSPC\): cp -a -T .*No space left on device/s,
        ),
        hint: 'Free space on the persistent volume (df -h /usr/local/.state; du -sh /usr/local/.state/*); the seed runs again on the next boot.',
      }),
    ]);
    // In the log on the console too.
    expect(boot?.log).toMatch(/\/var\/lib\/dpkg: Cannot seed .*\(ENOSPC\)/);
    expect(facts.mounts.find((m) => m.target === `/sysroot${BIG}`)).toBeUndefined();
    for (const path of layout.persistentPaths) {
      expect(facts.mounts.find((m) => m.target === `/sysroot${path}`)?.source, path).toBe(
        bindSource(facts, path),
      );
      expect(seedOf(facts.report, path)?.kind, path).toBe('first');
    }
    for (const path of layout.rwPaths)
      expect(facts.mounts.find((m) => m.target === `/sysroot${path}`)?.fstype, path).toBe('overlay');
    const outcomes = Object.fromEntries(facts.report.steps.map((s) => [s.name, s.outcome]));
    expect(outcomes).toMatchObject({'mount-volumes': 'ok', 'mount-rw-paths': 'ok', 'initramfs-stage': 'ok'});
  });

  it('boot 1: nothing of /var/lib/dpkg is left on the volume, the other state dirs are', () => {
    const v = volume[0];
    if (!v) throw new Error('no volume facts from boot 1');
    // The paths that fit took their share of the 1 MiB (statfs' free blocks include ext4's reserve).
    expect(v.freeBytes - KERNEL_RESERVE_BYTES).toBeLessThan(FREE_BYTES);
    expect(v.stateDirs).not.toContain(bindDirName(BIG));
    for (const path of layout.persistentPaths) expect(v.stateDirs, path).toContain(bindDirName(path));
    expect(v.records.filter((r) => r.startsWith(bindDirName(BIG)))).toEqual([]);
  });

  it('boot 2, after the filler was deleted: the seed completes with the image’s files; ok', () => {
    const [boot, facts, v] = [boots[1], seen[1], volume[1]];
    expect(boot?.timedOut).toBe(false);
    if (!facts || !v) throw new Error('no facts from boot 2');
    expect(facts.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(facts.report.failures).toEqual([]);
    expect(facts.report.status).toBe('ok');
    expect(seedOf(facts.report, BIG)).toMatchObject({kind: 'first', added: expect.any(Number)});
    expect(seedOf(facts.report, BIG)?.added).toBeGreaterThan(100);
    for (const path of layout.persistentPaths)
      expect(seedOf(facts.report, path)?.kind, path).toBe('unchanged');
    for (const path of [...layout.persistentPaths, BIG])
      expect(facts.mounts.find((m) => m.target === `/sysroot${path}`)?.source, path).toBe(
        bindSource(facts, path),
      );
    expect(v.stateDirs).toContain(bindDirName(BIG));
    expect(v.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(v.digest).toBe(inImage);
    expect(v.freeBytes).toBeGreaterThan(40 * 2 ** 20);
  });
});
