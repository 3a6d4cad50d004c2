// A booted system's facts read from the initramfs instead (lib/initramfs-watch.ts): at a
// rd.immucore.break=report shell the watcher prints, once immucore.service has settled, what the
// agent would report after switch-root: the boot id, findmnt under /sysroot, /sysroot/etc/fstab,
// the files asked for, the initrd's failed units and immucore's journal. A scenario whose later
// boot only reads back what an earlier one wrote (persistence) ends there: Debian's own boot after
// switch-root (~90 s of TCG time) proves nothing it asserts.
import type {AgentFacts} from './facts.ts';
import {
  type InitramfsFacts,
  readInitramfsFacts,
  readWatchedSection,
  watchedSection,
  watchFromReportBreak,
} from './initramfs-watch.ts';
import type {ConsoleInput} from './qemu.ts';

/** The part of AgentFacts the initramfs can see; mounts and files by their path after switch-root. */
export type SysrootFacts = Pick<
  AgentFacts,
  'bootId' | 'mounts' | 'report' | 'fstab' | 'files' | 'failedUnits' | 'immucoreJournal'
>;

/** Input for a boot with rd.immucore.break=report whose watcher prints what readSysrootFacts reads. */
export function watchSysroot(files: readonly string[]): ConsoleInput[] {
  // Each file as `<path> <content>` (the agent's writes are one word: the boot id), `-` when missing.
  const cat = `for f in ${files.join(' ')}; do if [ -e /sysroot$f ]; then echo "$f $(cat /sysroot$f)"; else echo "$f -"; fi; done`;
  return watchFromReportBreak(
    [
      watchedSection('BOOT-ID', 'cat /proc/sys/kernel/random/boot_id'),
      watchedSection('JOURNAL', 'journalctl -b -u immucore.service -o short-monotonic --no-pager'),
      watchedSection('FSTAB', 'cat /sysroot/etc/fstab'),
      watchedSection('MOUNTS', 'findmnt -rn -o TARGET,SOURCE,FSTYPE,OPTIONS'),
      watchedSection('FAILED-UNITS', 'systemctl list-units --failed --plain --no-legend'),
      watchedSection('FILES', cat),
    ].join('; '),
  );
}

/** What watchSysroot's watcher printed during boot `name`, and lib/initramfs-watch's facts. */
export function readSysrootFacts(name: string): {facts: SysrootFacts; watch: InitramfsFacts} {
  const section = (what: string) => readWatchedSection(name, what);
  const lines = (what: string) =>
    section(what)
      .split('\n')
      .filter((l) => l.trim() !== '');
  const watch = readInitramfsFacts(name);
  const mounts = lines('MOUNTS')
    .map((l) => {
      const [target = '', source = '', fstype = '', options = ''] = l.split(' ');
      return {target, source, fstype, options};
    })
    .filter((m) => m.target === '/sysroot' || m.target.startsWith('/sysroot/'))
    .map((m) => ({...m, target: m.target.slice('/sysroot'.length) || '/'}));
  const files = Object.fromEntries(
    lines('FILES').map((l) => {
      const [path = '', content = '-'] = l.split(' ');
      return [path, content === '-' ? null : content];
    }),
  );
  return {
    facts: {
      bootId: section('BOOT-ID').trim(),
      mounts,
      report: watch.report,
      fstab: section('FSTAB'),
      files,
      failedUnits: lines('FAILED-UNITS'),
      immucoreJournal: section('JOURNAL'),
    },
    watch,
  };
}
