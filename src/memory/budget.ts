// The overlay tmpfs immucore mounted lives in RAM: once it fills, its pages are no longer
// MemAvailable. nohang reads a threshold in % as a share of MemTotal, so the policy is checked
// against the memory left after that tmpfs at its full size; a policy that leaves less than the
// floor for processes before nohang starts terminating them is reported.
import {type Problem, warning} from '../boot/problem.ts';
import type {OverlayBase} from '../boot/volume.ts';
import type {EffectivePolicy} from './policy.ts';
import {mib, round2, thresholdKiB} from './values.ts';

export const FLOOR_MIB = 64;

export interface BudgetThreshold {
  key: string;
  value: string;
  mib: number;
  /** The threshold as a share of the memory left after the tmpfs, in %. */
  percentOfLeft: number;
}

export interface MemoryBudget {
  memTotalMiB: number;
  /** `tmpfs:25%`, or the device that backs /run/overlay (not RAM). */
  overlay: string;
  overlayTmpfsMiB: number;
  /** MemTotal less the tmpfs at its full size. */
  leftMiB: number;
  thresholds: BudgetThreshold[];
  /** What processes can use before the soft threshold is reached, with the tmpfs full. */
  headroomMiB: number;
  floorMiB: number;
}

const MEM_KEYS = ['warning_threshold_min_mem', 'soft_threshold_min_mem', 'hard_threshold_min_mem'];

/** The size of a `tmpfs:<size>` overlay in KiB: `25%` of MemTotal, `512M`, `1G`, `800K` or bytes. */
export function tmpfsSizeKiB(size: string, memTotalKiB: number): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(%|K|M|G)?$/i.exec(size.trim());
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toUpperCase();
  if (unit === '%') return (n / 100) * memTotalKiB;
  return unit === 'G' ? n * 1024 * 1024 : unit === 'M' ? n * 1024 : unit === 'K' ? n : n / 1024;
}

/**
 * The budget of a policy on a machine; undefined for `off`. Problems are warnings: the file is valid.
 * `overlayLine`: the layout file's OVERLAY line when the overlay size came from there, so the warning
 * names the input that set it rather than the cmdline option.
 */
export function decideMemoryBudget(
  policy: EffectivePolicy,
  memTotalKiB: number,
  overlay: OverlayBase | undefined,
  floorMiB = FLOOR_MIB,
  overlayLine?: string,
): {budget?: MemoryBudget; problems: Problem[]} {
  if (policy.preset === 'off') return {problems: []};
  const tmpfsKiB = overlay?.kind === 'tmpfs' ? (tmpfsSizeKiB(overlay.size, memTotalKiB) ?? 0) : 0;
  const overlayName =
    overlay === undefined ? 'none' : overlay.kind === 'tmpfs' ? `tmpfs:${overlay.size}` : overlay.device;
  const leftKiB = Math.max(0, memTotalKiB - tmpfsKiB);
  const thresholds: BudgetThreshold[] = [];
  for (const key of MEM_KEYS) {
    const value = policy.settings.find((s) => s.key === key)?.value ?? baseValue(policy, key);
    const kib = value === undefined ? undefined : thresholdKiB(value, memTotalKiB);
    if (value === undefined || kib === undefined) continue;
    const percentOfLeft = leftKiB > 0 ? round2((kib / leftKiB) * 100) : 100;
    thresholds.push({key, value, mib: mib(kib), percentOfLeft});
  }
  const soft = thresholds.find((t) => t.key === 'soft_threshold_min_mem');
  const budget: MemoryBudget = {
    memTotalMiB: mib(memTotalKiB),
    overlay: overlayName,
    overlayTmpfsMiB: mib(tmpfsKiB),
    leftMiB: mib(leftKiB),
    thresholds,
    headroomMiB: round2(mib(leftKiB) - (soft?.mib ?? 0)),
    floorMiB,
  };
  const problems: Problem[] = [];
  if (budget.headroomMiB < floorMiB) {
    const tmpfs =
      tmpfsKiB > 0
        ? `the overlay tmpfs (${overlayName}) may take ${budget.overlayTmpfsMiB} MiB of ${budget.memTotalMiB} MiB, `
        : '';
    const acts = soft
      ? ` and nohang starts terminating at ${soft.mib} MiB (${soft.key} = ${soft.value})`
      : '';
    problems.push(
      warning(
        overlayName === 'none' ? policy.presetSource : (overlayLine ?? `rd.immucore.overlay=${overlayName}`),
        `The memory policy leaves ${budget.headroomMiB} MiB for processes, below the floor of ${floorMiB} MiB: ${tmpfs}leaving ${budget.leftMiB} MiB${acts}`,
        'Shrink the overlay tmpfs (e.g. rd.immucore.overlay=tmpfs:10% or OVERLAY="tmpfs:10%" in the layout), lower memory_policy.mem.soft, or give the machine more RAM.',
      ),
    );
  }
  return {budget, problems};
}

function baseValue(policy: EffectivePolicy, key: string): string | undefined {
  return policy.base?.entries.find(([k]) => k === key)?.[1];
}
