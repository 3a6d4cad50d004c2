// COS_PERSISTENT on an LVM logical volume (immucore/persistent), two boots of one disk. immucore
// runs before dracut-initqueue.service, where dracut would activate LVM (and only for what the
// cmdline names): its activate-devices step must do it, or the volume never appears and the
// persistent paths stay ephemeral. The first boot writes files, the second reads them back.
// The second boot ends in the initramfs (rd.immucore.break=report, lib/initramfs-watch.ts): the
// volume, the binds, the fstab and the files under /sysroot are all there before switch-root, and
// Debian's own boot after it proved nothing more (the first boot is the full one).
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import type {BootReport} from '../src/report/boot-report.ts';
import {diskCmdline, expectBootStatus, fstabLines, reportOf, stepOutcomes} from './lib/expect-boot.ts';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootDisk, bootForFacts, buildImageSet, buildLvmDisk, freshOverlay} from './lib/fixtures.ts';
import {
  type InitramfsFacts,
  readInitramfsFacts,
  readWatchedSection,
  WATCH_END,
  watchedSection,
  watchFromReportBreak,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';

// Under a persistent bind, on the volume itself, and under an RW overlay (lost).
const KEPT = ['/etc/ssh/immucore-kept', '/home/immucore-kept', '/usr/local/kept'];
const LOST = ['/etc/immucore-lost'];
const FILES = [...KEPT, ...LOST];
const SECOND = 'lvm-persistence-2';
const LVM_ACTIVE = /logical volume\(s\) in volume group "immucore" now active/;

/**
 * What the second boot's watcher prints besides lib/initramfs-watch's sections: what the agent
 * reports in a booted system, read under /sysroot instead (each file as `<path> <content>`, `-`
 * when missing).
 */
const SECOND_WATCH = [
  watchedSection('BOOT-ID', 'cat /proc/sys/kernel/random/boot_id'),
  watchedSection('JOURNAL', 'journalctl -b -u immucore.service -o cat --no-pager'),
  watchedSection('FSTAB', 'cat /sysroot/etc/fstab'),
  watchedSection('VOLUME', 'findmnt -rn -o SOURCE,FSTYPE,OPTIONS /sysroot/usr/local'),
  watchedSection('FAILED-UNITS', 'systemctl list-units --failed --plain --no-legend'),
  watchedSection(
    'FILES',
    `for f in ${FILES.join(' ')}; do if [ -e /sysroot$f ]; then echo "$f $(cat /sysroot$f)"; else echo "$f -"; fi; done`,
  ),
].join('; ');

/** The second boot as the initramfs saw it, in the shape the first boot's checks read. */
interface SeenFromInitramfs {
  bootId: string;
  report: BootReport;
  journal: string;
  fstab: string[];
  volume: {source: string; fstype: string; options: string};
  failedUnits: string[];
  files: Record<string, string | null>;
  watch: InitramfsFacts;
}

function readSecond(): SeenFromInitramfs {
  const section = (what: string) => readWatchedSection(SECOND, what);
  const lines = (what: string) =>
    section(what)
      .split('\n')
      .filter((l) => l.trim() !== '');
  const [source = '', fstype = '', options = ''] = section('VOLUME').split(' ');
  const watch = readInitramfsFacts(SECOND);
  return {
    bootId: section('BOOT-ID').trim(),
    report: watch.report,
    journal: section('JOURNAL'),
    fstab: lines('FSTAB').filter((l) => !l.startsWith('#')),
    volume: {source, fstype, options},
    failedUnits: lines('FAILED-UNITS'),
    files: Object.fromEntries(
      lines('FILES').map((l) => {
        const [path = '', content = '-'] = l.split(' ');
        return [path, content === '-' ? null : content];
      }),
    ),
    watch,
  };
}

describe('COS_PERSISTENT on LVM, two boots of one disk', () => {
  const layout = expectedLayout('active_mode');
  const stateDir = PERSISTENT_STATE_TARGET.slice('/usr/local'.length);
  let first: AgentFacts;
  let secondBoot: BootResult;
  let second: SeenFromInitramfs;

  beforeAll(async () => {
    const overlay = await freshOverlay('lvm-persistence', buildLvmDisk);
    ({facts: first} = await bootForFacts({
      name: 'lvm-persistence-1',
      disk: buildLvmDisk,
      append: `${diskCmdline('active')} immucore.test.files=${FILES.join(',')} immucore.test.write=${FILES.join(',')}`,
      overlay,
      waitForPoweroff: true,
    }));
    const images = await buildImageSet();
    secondBoot = await bootDisk(images, await buildLvmDisk(images), {
      name: SECOND,
      append: `${diskCmdline('active')} rd.immucore.break=report`,
      overlay,
      input: watchFromReportBreak(SECOND_WATCH),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    second = readSecond();
  });

  it('activates the volume group before the devices are waited for, and boots ok twice', () => {
    expect(secondBoot.timedOut).toBe(false);
    expect(second.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.bootId).not.toBe(first.bootId);
    expectBootStatus(first, 'ok');
    expect(stepOutcomes(first)).toMatchObject({'activate-devices': 'ok', 'mount-volumes': 'ok'});
    expect(first.immucoreJournal).toMatch(LVM_ACTIVE);
    // The second boot, before switch-root: the unit succeeded, no unit of the initrd failed.
    expect(second.watch.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(second.report.status).toBe('ok');
    expect(second.failedUnits).toEqual([]);
    const outcomes = Object.fromEntries(second.report.steps.map((s) => [s.name, s.outcome]));
    expect(outcomes).toMatchObject({'activate-devices': 'ok', 'mount-volumes': 'ok'});
    expect(second.journal).toMatch(LVM_ACTIVE);
  });

  it('mounts COS_PERSISTENT from the logical volume and binds every persistent path from it', () => {
    const booted = {
      volume: findMount(first, '/usr/local'),
      report: reportOf(first),
      fstab: fstabLines(first),
    };
    const initramfs = {volume: second.volume, report: second.report, fstab: second.fstab};
    for (const [i, {volume, report, fstab}] of [booted, initramfs].entries()) {
      // The logical volume's device-mapper node, as block-device lookups find it.
      expect(volume?.source, `boot ${i + 1}`).toMatch(/^\/dev\/dm-\d+$/);
      expect(volume?.fstype).toBe('ext4');
      expect(volume?.options.split(',')).toContain('rw');
      expect(report.mounts.find((m) => m.target === '/sysroot/usr/local')).toMatchObject({
        step: 'mount-volumes',
        source: 'LABEL=COS_PERSISTENT',
        device: volume?.source,
      });
      expect(fstab).toContain('LABEL=COS_PERSISTENT /usr/local ext4 rw 0 0');
    }
    const volume = findMount(first, '/usr/local');
    for (const path of layout.persistentPaths) {
      const want = (source?: string) => `${source}[${stateDir}/${bindDirName(path)}]`;
      expect(findMount(first, path)?.source, path).toBe(want(volume?.source));
      expect(second.watch.mounts.find((m) => m.target === `/sysroot${path}`)?.source, path).toBe(
        want(second.volume.source),
      );
    }
  });

  it('keeps what the first boot wrote on the volume and under persistent paths, not under overlays', () => {
    expect(first.files).toEqual(Object.fromEntries(FILES.map((f) => [f, null])));
    expect(Object.keys(second.files).sort()).toEqual([...FILES].sort());
    for (const f of KEPT) expect(second.files[f]?.trim(), f).toBe(first.bootId);
    for (const f of LOST) expect(second.files[f], f).toBeNull();
  });
});
