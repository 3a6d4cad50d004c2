// The memory section of report.json: the effective policy with the source of each value, the
// budget after the overlay tmpfs, what was written and enabled in the new root, and what the
// initramfs guard watched and stopped.
import type {MemoryBudget} from './budget.ts';
import type {GuardLimits} from './guard.ts';
import type {EffectivePolicy, PresetName, Setting} from './policy.ts';
import {renderRules} from './rules.ts';
import {mib} from './values.ts';

/** What the memory-policy step did in the new root. */
export type AppliedPolicy =
  | {
      unit: string;
      /** The unit file found in the image, e.g. `/lib/systemd/system/nohang.service`. */
      unitFile: string;
      config?: string;
      dropIn?: string;
      enabled: string[];
      disabled: string[];
      masked: string[];
    }
  | {skipped: string};

export interface MemoryPolicyReport {
  preset: PresetName;
  presetSource: string;
  /** The overrides were invalid; the preset alone applies (the errors are in the report's failures). */
  fellBack: boolean;
  base?: string;
  settings: Setting[];
  overrides: Setting[];
  /** The `@` lines as rendered, with where each rule came from. */
  rules: Array<{line: string; source: string}>;
  budget?: MemoryBudget;
  applied?: AppliedPolicy;
}

export interface GuardRunReport {
  /** `rootfs-stage` or `initramfs-stage`. */
  step: string;
  /** Why the guard did not run, when it did not. */
  off?: string;
  hardThresholdMiB?: number;
  setting?: string;
  psi?: GuardLimits['psi'];
  periodMs?: number;
  samples?: number;
  kills: Array<{item: string; processGroup: number; reason: string}>;
}

export interface MemoryReport {
  policy?: MemoryPolicyReport;
  guard?: GuardRunReport[];
}

export function buildPolicyReport(
  policy: EffectivePolicy,
  budget?: MemoryBudget,
  applied?: AppliedPolicy,
): MemoryPolicyReport {
  return {
    preset: policy.preset,
    presetSource: policy.presetSource,
    fellBack: policy.fellBack,
    ...(policy.base ? {base: policy.base.source} : {}),
    settings: policy.settings,
    overrides: policy.overrides,
    rules: policy.rules.flatMap((rule) => renderRules([rule]).map((line) => ({line, source: rule.source}))),
    ...(budget ? {budget} : {}),
    ...(applied ? {applied} : {}),
  };
}

/** A guard run's entry, its limits in MiB. */
export function buildGuardReport(step: string, limits: GuardLimits, periodMs: number): GuardRunReport {
  return {
    step,
    hardThresholdMiB: mib(limits.memAvailableKiB),
    setting: limits.memSetting,
    ...(limits.psi ? {psi: limits.psi} : {}),
    periodMs,
    samples: 0,
    kills: [],
  };
}
