// Seeing what immucore did without booting Debian to the end (issue 13's fault scenarios): from a
// rd.immucore.break shell the harness starts a watcher that outlives the shell and the unit, waits
// for immucore.service to settle, and prints the unit's result, /run/immucore/report.json and
// findmnt on the agent's port (ttyS1: nothing else writes there, so a kernel message cannot split
// the report). A boot that stops here costs the initramfs only, not Debian's ~100 s after
// switch-root.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {BootReport} from '../../src/report/boot-report.ts';
import {LOG_DIR} from './paths.ts';
import type {ConsoleInput} from './qemu.ts';

export const UNIT = 'immucore.service';
export const PORT = '/dev/ttyS1';
// Split by quotes where they are typed, so the console's echo of the typed line never matches them.
const mark = (what: string) => `@@INITRAMFS-"${what}"@@`;
const MARK = (what: string) => `@@INITRAMFS-${what}@@`;
export const WATCH_END = new RegExp(`^${MARK('END')}\\r?$`, 'm');

/**
 * A shell line that runs `script` in the background with its output on `out`, moved out of the
 * unit's cgroup first (KillMode=mixed SIGKILLs what is left in it once immucore exits) and deaf to
 * the SIGHUP of the break shell's exit.
 */
export function detached(script: string, out: string): string {
  const full = `trap "" HUP; echo $$ >/sys/fs/cgroup/cgroup.procs; ${script}`;
  return `sh -c '${full.replaceAll("'", `'"'"'`)}' </dev/null >${out} 2>&1 &`;
}

/** Loops while immucore.service is in one of `states` (systemd's ActiveState). */
export function waitWhileUnit(states: string[]): string {
  return `while case $(systemctl show -P ActiveState ${UNIT}) in ${states.join('|')}) true;; *) false;; esac; do sleep 0.2; done`;
}

/** What the watcher saw once the unit settled. */
export interface InitramfsFacts {
  /** `systemctl show -p ActiveState -p Result -p ExecMainStatus`: {ActiveState: 'active', ...}. */
  unit: Record<string, string>;
  report: BootReport;
  /** /run/immucore/boot_failure.log, empty when the boot did not fail. */
  failureLog: string;
  /** findmnt -rn -o TARGET,SOURCE,FSTYPE (findmnt escapes a space as \x20). */
  mounts: Array<{target: string; source: string; fstype: string}>;
}

/**
 * The watcher: once immucore.service has settled, the unit's result, the report, the failure log
 * (when there is one) and findmnt, ending with WATCH_END.
 */
export function watcherScript(): string {
  return [
    waitWhileUnit(['activating', 'deactivating']),
    `echo ${mark('UNIT')}`,
    `systemctl show -p ActiveState -p Result -p ExecMainStatus ${UNIT}`,
    `echo ${mark('REPORT')}`,
    'cat /run/immucore/report.json',
    `echo; echo ${mark('FAILURE-LOG')}`,
    'cat /run/immucore/boot_failure.log',
    `echo ${mark('FINDMNT')}`,
    'findmnt -rn -o TARGET,SOURCE,FSTYPE',
    `echo ${mark('END')}`,
  ].join('; ');
}

/**
 * Input for a boot with rd.immucore.break=report: once every other step has run, start the watcher
 * and exit the shell; immucore writes its report and exits, the watcher prints it on ttyS1 and ends
 * with WATCH_END (pass it as stopOn). `before` runs once the unit has settled, ahead of the
 * watcher's sections (a scenario's own: files under /sysroot, the journal).
 */
export function watchFromReportBreak(before?: string): ConsoleInput[] {
  const script = before
    ? `${waitWhileUnit(['activating', 'deactivating'])}; ${before}; ${watcherScript()}`
    : watcherScript();
  return [{after: /immucore break \(report\) # /, send: `${detached(script, PORT)} exit\n`}];
}

/**
 * A shell command printing `command`'s output on the agent's port between two markers, for
 * `before`; readWatchedSection reads it back.
 */
export function watchedSection(what: string, command: string): string {
  return `echo ${mark(`${what}-BEGIN`)}; ${command}; echo; echo ${mark(`${what}-END`)}`;
}

/** What watchedSection(what, ...) printed during boot `name` (trailing blank lines trimmed). */
export function readWatchedSection(name: string, what: string): string {
  const text = readFileSync(join(LOG_DIR, `${name}.agent.log`), 'utf8').replaceAll('\r', '');
  const begin = `${MARK(`${what}-BEGIN`)}\n`;
  const from = text.indexOf(begin);
  const to = text.indexOf(MARK(`${what}-END`), from);
  if (from < 0 || to < 0) throw new Error(`no ${what} section on ${name}'s agent port (${LOG_DIR})`);
  return text.slice(from + begin.length, to).replace(/\n+$/, '');
}

/** Reads what the watcher printed on the agent's port of boot `name`. */
export function readInitramfsFacts(name: string): InitramfsFacts {
  const text = readFileSync(join(LOG_DIR, `${name}.agent.log`), 'utf8').replaceAll('\r', '');
  const section = (what: string, next: string) => {
    const from = text.indexOf(`${MARK(what)}\n`);
    const to = text.indexOf(MARK(next), from);
    if (from < 0 || to < 0) throw new Error(`no ${what} section on ${name}'s agent port (${LOG_DIR})`);
    return text.slice(from + MARK(what).length + 1, to);
  };
  const unit = Object.fromEntries(
    section('UNIT', 'REPORT')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const mounts = section('FINDMNT', 'END')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [target = '', source = '', fstype = ''] = l.split(' ');
      return {target, source, fstype};
    });
  return {
    unit,
    report: JSON.parse(section('REPORT', 'FAILURE-LOG')) as BootReport,
    failureLog: section('FAILURE-LOG', 'FINDMNT'),
    mounts,
  };
}
