// Put the policy into the new root: the rendered config, a drop-in pointing nohang.service at it,
// nohang.service enabled and nohang-desktop.service not (the two conflict). Everything lands in
// /etc, on its overlay, so it is regenerated at every boot. No nohang in the image: a warning.
import path from 'node:path';
import {type Problem, warning} from '../boot/problem.ts';
import type {Logger} from '../log/logger.ts';
import type {Sys} from '../sys/sys.ts';
import type {EffectivePolicy} from './policy.ts';
import {renderNohangConf} from './render.ts';
import type {AppliedPolicy} from './report.ts';
import {
  CONFIG_FILE,
  DESKTOP_UNIT,
  DROP_IN,
  decideExecStart,
  NOHANG_UNIT,
  parseUnitFile,
  renderDropIn,
  UNIT_DIRS,
} from './unit.ts';

const ETC_UNITS = '/etc/systemd/system';

export interface ApplyOptions {
  sys: Sys;
  log: Logger;
  /** The new root as a Sys path (`/sysroot`). */
  root: string;
}

export async function applyMemoryPolicy(
  policy: EffectivePolicy,
  opts: ApplyOptions,
): Promise<{applied: AppliedPolicy; problems: Problem[]}> {
  const {sys, root, log} = opts;
  const at = (p: string) => path.posix.join(root, p);
  const unitFile = await findUnit(sys, root, NOHANG_UNIT);
  if (unitFile === 'masked') {
    const skipped = `${NOHANG_UNIT} is masked in the image (${ETC_UNITS}/${NOHANG_UNIT} → /dev/null)`;
    if (policy.preset === 'off') return {applied: {skipped}, problems: []};
    const hint = `Unmask it (remove ${ETC_UNITS}/${NOHANG_UNIT}) in the image, or set rd.immucore.memory=off.`;
    return {
      applied: {skipped},
      problems: [warning(NOHANG_UNIT, `${skipped}: not enabling it; ignoring`, hint)],
    };
  }
  if (!unitFile) {
    const skipped = `nohang is not installed in the image (no ${NOHANG_UNIT} in ${UNIT_DIRS.join(', ')})`;
    if (policy.preset === 'off') return {applied: {skipped}, problems: []};
    const problem = warning(
      NOHANG_UNIT,
      `${skipped}, so the ${policy.preset} memory policy is not applied after the boot; ignoring`,
      'Install the nohang package in the image to apply the memory policy after the boot.',
    );
    return {applied: {skipped}, problems: [problem]};
  }
  if (policy.preset === 'off') {
    const [desktop, own] = await Promise.all([
      keepDesktopOff(sys, root),
      disableUnit(sys, root, NOHANG_UNIT),
    ]);
    await removeFiles(sys, [at(DROP_IN), at(CONFIG_FILE)]);
    const disabled = [...desktop.disabled, ...own];
    log.info(
      `memory policy off: ${[...disabled, ...desktop.masked].join(', ') || 'no nohang unit'} disabled`,
    );
    return {
      applied: {unit: NOHANG_UNIT, unitFile, enabled: [], disabled, masked: desktop.masked},
      problems: [],
    };
  }
  // The desktop unit and our own files are independent: both at once (the boot waits for this).
  const [desktop, enabled] = await Promise.all([
    keepDesktopOff(sys, root),
    enableNohang(sys, root, unitFile, policy),
  ]);
  const off = desktop.disabled.length + desktop.masked.length > 0;
  log.info(
    `${NOHANG_UNIT} enabled with ${CONFIG_FILE} (preset ${policy.preset} from ${policy.presetSource})` +
      `${off ? `; ${DESKTOP_UNIT} ${desktop.masked.length ? 'masked' : 'disabled'}` : ''}`,
  );
  return {
    applied: {unit: NOHANG_UNIT, unitFile, config: CONFIG_FILE, dropIn: DROP_IN, enabled, ...desktop},
    problems: [],
  };
}

/** Write the config and the drop-in, and link the unit into its targets' wants; the links made. */
async function enableNohang(
  sys: Sys,
  root: string,
  unitFile: string,
  policy: EffectivePolicy,
): Promise<string[]> {
  const at = (p: string) => path.posix.join(root, p);
  const text = renderNohangConf(policy) as string;
  const [unitText] = await Promise.all([
    sys.readText(at(unitFile)),
    sys.mkdirp(at(path.posix.dirname(CONFIG_FILE)), at(path.posix.dirname(DROP_IN))),
  ]);
  const facts = parseUnitFile(unitText ?? '');
  const source = `preset ${policy.preset} (${policy.presetSource})`;
  const wants = facts.wantedBy.map((target) => `${ETC_UNITS}/${target}.wants/${NOHANG_UNIT}`);
  await Promise.all([
    sys.writeText(at(CONFIG_FILE), text, {mode: 0o644}),
    sys.writeText(at(DROP_IN), renderDropIn(decideExecStart(facts.execStart), source), {mode: 0o644}),
    ...wants.map(async (link) => {
      await sys.mkdirp(at(path.posix.dirname(link)));
      await sys.symlink(unitFile, at(link));
    }),
  ]);
  return wants;
}

/** nohang-desktop.service out of every /etc wants dir, and masked when /usr enables it. */
async function keepDesktopOff(sys: Sys, root: string): Promise<{disabled: string[]; masked: string[]}> {
  const [disabled, vendor] = await Promise.all([
    disableUnit(sys, root, DESKTOP_UNIT),
    isVendorEnabled(sys, root, DESKTOP_UNIT),
  ]);
  // Enabled in /usr, which is read-only: only a mask in /etc keeps it from starting.
  const mask = path.posix.join(root, `${ETC_UNITS}/${DESKTOP_UNIT}`);
  const masked = vendor && (await sys.symlink('/dev/null', mask)) === 'created' ? [DESKTOP_UNIT] : [];
  return {disabled, masked};
}

/** The unit's file in the image, as a path inside it (`/lib/systemd/system/nohang.service`), or `masked`. */
export async function findUnit(sys: Sys, root: string, unit: string): Promise<string | undefined> {
  const found = await Promise.all(
    UNIT_DIRS.map(async (dir) => {
      const file = `${dir}/${unit}`;
      const link = await sys.readlink(path.posix.join(root, file));
      if (link === '/dev/null') return 'masked' as const;
      return link !== undefined || (await sys.exists(path.posix.join(root, file))) ? file : undefined;
    }),
  );
  // The first directory that has it decides, as for systemd: a mask in /etc hides /lib's file.
  return found.find((f) => f !== undefined);
}

/** Remove `unit` from every `.wants`/`.requires` dir in /etc; the links removed, as paths in the image. */
async function disableUnit(sys: Sys, root: string, unit: string): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of (await sys.readdir(path.posix.join(root, ETC_UNITS))) ?? []) {
    if (!/\.(wants|requires)$/.test(dir)) continue;
    const names = (await sys.readdir(path.posix.join(root, ETC_UNITS, dir))) ?? [];
    if (names.includes(unit)) removed.push(`${ETC_UNITS}/${dir}/${unit}`);
  }
  await removeFiles(
    sys,
    removed.map((p) => path.posix.join(root, p)),
  );
  return removed;
}

async function isVendorEnabled(sys: Sys, root: string, unit: string): Promise<boolean> {
  for (const dir of UNIT_DIRS.slice(1)) {
    for (const wants of (await sys.readdir(path.posix.join(root, dir))) ?? []) {
      if (!wants.endsWith('.wants')) continue;
      if (((await sys.readdir(path.posix.join(root, dir, wants))) ?? []).includes(unit)) return true;
    }
  }
  return false;
}

/** Sys has no unlink: `rm -f` on the real paths (on the /etc overlay this leaves a whiteout). */
async function removeFiles(sys: Sys, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  await sys.run(['rm', '-f', '--', ...paths.map((p) => sys.resolvePath(p))]);
}
