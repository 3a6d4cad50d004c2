// Issue 13, scenario 4: the power fails while a persistent path is seeded on first boot. The layout
// gets one big persistent path (agent/cloud-config/power-cut.yaml: /usr/lib/x86_64-linux-gnu, ~67
// MB). Boot 1 stops at a rd.immucore.break=mount-persistent shell, where the harness starts a
// watcher and lets the seed begin; the watcher waits for the staging dir, then for one commit of
// COS_PERSISTENT's ext4 journal after it (/proc/fs/jbd2/<dev>-8/info: the staging dir and part of
// what was copied are then on the disk, as they are after a real power loss), and prints a marker
// on ttyS1 on which QEMU is killed: no shutdown, no flush, the guest's page cache lost.
// Boot 2, on the same qcow2 overlay, stops in the initramfs: at mount-persistent it looks at what the
// cut left on the disk (the staging dir, files whole, short or empty), at report it compares the
// seeded state dir with the image (types, modes, owners, sizes, link targets, sha256 of every
// file), then lib/initramfs-watch.ts prints the report and QEMU is stopped before switch-root.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import type {SeedRecord} from '../src/report/boot-report.ts';
import {diskCmdline} from './lib/expect-boot.ts';
import {bootDisk, buildImageSet, buildStandardDisk, freshOverlay} from './lib/fixtures.ts';
import {
  detached,
  type InitramfsFacts,
  PORT,
  readInitramfsFacts,
  WATCH_END,
  watcherScript,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import {LOG_DIR} from './lib/paths.ts';
import type {BootResult} from './lib/qemu.ts';

const NAME = 'power-cut';
const BIG = '/usr/lib/x86_64-linux-gnu';
const CONFIG = 'kairos.config_url=/system/immucore-test/power-cut.yaml';
const STATE_DIR = `${PERSISTENT_STATE_TARGET}/${bindDirName(BIG)}`;
const STAGING = `${PERSISTENT_STATE_TARGET}/.immucore/${bindDirName(BIG)}.staging`;
// Where the second boot mounts the root image again (read-only): the bind hides the image's BIG.
const IMAGE_VIEW = '/mnt';
const prompt = (step: string) => new RegExp(`immucore break \\(${step}\\) # `);
// Typed with quotes inside, so the console's echo of the typed line never matches what it prints.
const typedMark = (what: string) => `@@POWER"CUT-${what}"@@`;
const MARK = (what: string) => `@@POWERCUT-${what}@@`;

// Boot 1's watcher, in the initramfs: the staging dir appears, the journal commits once after,
// the cut. It says what the page cache held then (files, bytes: more than the disk got).
const CUT_WATCH = [
  `st=/sysroot${STAGING}`,
  'dev=$(findmnt -no SOURCE /sysroot/usr/local)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a placeholder
  'j=/proc/fs/jbd2/${dev#/dev/}-8/info',
  // Bounded (150 s) without asking systemd every turn: a fork of systemctl costs the seed's CPU.
  'n=0; until [ -d "$st" ] || [ $n -ge 1500 ]; do sleep 0.1; n=$((n+1)); done',
  'read t0 rest <"$j"',
  't=$t0',
  'while [ "$t" = "$t0" ] && [ -d "$st" ]; do sleep 0.1; read t rest <"$j"; done',
  `if [ -d "$st" ]; then echo "${typedMark('AT')} commits=$t0..$t $(chroot /sysroot sh -c "cd ${STAGING} && echo files=\\$(find . -type f | wc -l) bytes=\\$(du -sb . | cut -f1)")"; else echo "${typedMark('LATE')} the seed ended before a journal commit"; fi`,
].join('; ');

// Boot 2 at mount-persistent: what boot 1 left on the disk. Files of the staging dir whose bytes
// differ from the image's (cut short or empty: the data never reached the disk) are counted.
const LEFT = `chroot /sysroot sh -c 'echo ${typedMark('LEFT')} state_dir=$([ -e ${STATE_DIR} ] && echo yes || echo no) records=$(ls ${PERSISTENT_STATE_TARGET}/.immucore | grep -c "^${bindDirName(BIG)}[.]seed") staging=$([ -d ${STAGING} ] && echo yes || echo no); if [ -d ${STAGING} ]; then cd ${STAGING}; echo ${typedMark('STAGED')} files=$(find . -type f | wc -l) bytes=$(du -sb . | cut -f1) empty=$(find . -type f -size 0 | wc -l) differ=$(find . -type f -exec sha256sum {} + | (cd ${IMAGE_VIEW}${BIG} && sha256sum -c --quiet - 2>/dev/null) | grep -c FAILED); fi'`;

// Boot 2 at report: the state dir against the image's tree, entry by entry (type, mode, owner,
// path, link target) and byte by byte (sha256 of every file, which covers the sizes). A directory's
// own size is left out: ext4 sizes a directory by how it was filled (mkfs.ext4 -d against cp).
// Up to 5 entries that differ are printed (DIFF, with sizes), to say what differs when one does.
const META = '%y %m %U %G %p %l';
const tree = (dir: string) =>
  `cd ${dir} && echo entries=$(find . | wc -l) files=$(find . -type f | wc -l) bytes=$(find . -type f -printf "%s\\n" | awk "{s+=\\$1} END {print s+0}") meta=$(find . -printf "${META}\\n" | LC_ALL=C sort | sha256sum | cut -c1-16) data=$(find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2 | sha256sum | cut -c1-16)`;
const listing = (dir: string, out: string) =>
  `chroot /sysroot sh -c 'cd ${dir} && find . -printf "%s ${META}\\n"' >${out}`;
const COMPARE = [
  `chroot /sysroot sh -c 'echo ${typedMark('IMAGE')} $(${tree(IMAGE_VIEW + BIG)}); echo ${typedMark('SEEDED')} $(${tree(BIG)}); echo ${typedMark('RECORDS')} stagings=$(ls -a ${PERSISTENT_STATE_TARGET}/.immucore | grep -c "[.]staging$")'`,
  listing(IMAGE_VIEW + BIG, '/tmp/pc-image'),
  listing(BIG, '/tmp/pc-seeded'),
  `grep -m5 -vxFf /tmp/pc-image /tmp/pc-seeded | while read -r l; do echo "${typedMark('DIFF')} $l"; done`,
].join('; ');

/** `key=value` words of the ttyS1 line that starts with MARK(what). */
function marked(name: string, what: string): Record<string, string> | undefined {
  const text = readFileSync(join(LOG_DIR, `${name}.agent.log`), 'utf8').replaceAll('\r', '');
  const line = text.split('\n').find((l) => l.startsWith(MARK(what)));
  if (line === undefined) return undefined;
  return Object.fromEntries(
    line
      .slice(MARK(what).length)
      .trim()
      .split(' ')
      .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
  );
}

describe('a power cut during the first-boot seed of a persistent path', () => {
  let cut: BootResult;
  let again: BootResult;
  let seen: InitramfsFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    const base = await buildStandardDisk(images);
    const overlay = await freshOverlay(NAME);
    cut = await bootDisk(images, base, {
      name: `${NAME}-1`,
      overlay,
      append: `${diskCmdline('active')} ${CONFIG} rd.immucore.break=mount-persistent`,
      input: [{after: prompt('mount-persistent'), send: `${detached(CUT_WATCH, PORT)} exit\n`}],
      stopOn: new RegExp(`^${MARK('(AT|LATE)')}`),
      timeoutSec: 300,
    });
    again = await bootDisk(images, base, {
      name: `${NAME}-2`,
      overlay,
      append: `${diskCmdline('active')} ${CONFIG} rd.immucore.break=mount-persistent,report`,
      input: [
        {
          after: prompt('mount-persistent'),
          send: `mount -o ro $(findmnt -no SOURCE /sysroot) /sysroot${IMAGE_VIEW}; ${LEFT} >${PORT} 2>&1; exit\n`,
        },
        {
          after: prompt('report'),
          send: `{ ${COMPARE}; } >${PORT} 2>&1; ${detached(watcherScript(), PORT)} exit\n`,
        },
      ],
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    seen = readInitramfsFacts(`${NAME}-2`);
  });

  it('boot 1 is cut while the big path is copied: the console said so, and the journal had committed', () => {
    expect(cut.timedOut).toBe(false);
    expect(cut.stoppedOn, `no cut marker on ${NAME}-1's agent port`).toMatch(new RegExp(`^${MARK('AT')}`));
    expect(cut.log).toMatch(
      new RegExp(`${BIG}: copying \\d+ entries \\([\\d.]+ MiB\\) from the image into ${STATE_DIR}`),
    );
    expect(cut.log).not.toContain(`${BIG}: first use: seeded`);
    const at = marked(`${NAME}-1`, 'AT');
    expect(Number(at?.files)).toBeGreaterThan(0);
  });

  it('the cut left only the staging dir: no state dir, no records', () => {
    expect(again.timedOut).toBe(false);
    expect(marked(`${NAME}-2`, 'LEFT')).toEqual({state_dir: 'no', records: '0', staging: 'yes'});
    expect(Number(marked(`${NAME}-2`, 'STAGED')?.files)).toBeGreaterThan(0);
  });

  it('boot 2 removes what the cut left and seeds the path whole: every entry and byte of the image', () => {
    expect(seen.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(seen.report.status).toBe('ok');
    expect(seen.report.failures).toEqual([]);
    const image = marked(`${NAME}-2`, 'IMAGE');
    const seeded = marked(`${NAME}-2`, 'SEEDED');
    expect(Number(image?.files)).toBeGreaterThan(500);
    expect(seeded).toEqual(image);
    const seed = seen.report.seeds?.find((s: SeedRecord) => s.path === BIG);
    expect(seed).toMatchObject({kind: 'first', cutShort: true, added: Number(image?.entries) - 1});
    expect(again.log).toContain(
      `${BIG}: the last seed of ${STATE_DIR} was cut short (a power loss or a kill)`,
    );
    expect(marked(`${NAME}-2`, 'RECORDS')).toEqual({stagings: '0'});
  });

  it('binds the seeded state dir over the path, and every other persistent path as usual', () => {
    // The paths seeded before the cut are 'unchanged', or 'update' with nothing to copy when their
    // (unflushed) identity record was lost with the power: either way bound, nothing failed.
    const layout = expectedLayout('active_mode');
    const volume = seen.mounts.find((x) => x.target === '/sysroot/usr/local');
    for (const path of [...layout.persistentPaths, BIG]) {
      const bind = seen.mounts.find((x) => x.target === `/sysroot${path}`);
      expect(bind?.source, path).toBe(
        `${volume?.source}[${PERSISTENT_STATE_TARGET.slice('/usr/local'.length)}/${bindDirName(path)}]`,
      );
    }
    for (const s of seen.report.seeds ?? []) expect(s.keptUserChanged + s.notResurrected, s.path).toBe(0);
  });
});
