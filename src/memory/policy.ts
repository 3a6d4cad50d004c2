// The memory policy as data (SPEC §10): a preset, overrides of nohang settings from cloud-config,
// and the rules that become nohang's `@BADNESS_ADJ_RE_*` / `@SOFT_ACTION_RE_*` lines. Every value
// carries where it came from, for report.json and `immucore memory show`.
import type {Problem} from '../boot/problem.ts';

export const PRESETS = ['server', 'desktop', 'recovery', 'off'] as const;
export type PresetName = (typeof PRESETS)[number];

export function isPresetName(value: string): value is PresetName {
  return (PRESETS as readonly string[]).includes(value);
}

/** What a badness rule matches: `cgroup` is the cgroup v2 path (`/system.slice/x.service`). */
export const BADNESS_MATCHES = ['name', 'cmdline', 'cgroup', 'cgroup_v1', 'realpath'] as const;
export type BadnessMatch = (typeof BADNESS_MATCHES)[number];
export const SOFT_ACTION_MATCHES = ['name', 'cgroup', 'cgroup_v1'] as const;
export type SoftActionMatch = (typeof SOFT_ACTION_MATCHES)[number];

/** A badness adjustment: `protect` lowers it (the process is chosen last), `prefer` raises it. */
export interface BadnessRule {
  kind: 'badness';
  match: BadnessMatch;
  adj: number;
  pattern: string;
  source: string;
}

/** Run `command` instead of sending SIGTERM to a matching victim. */
export interface SoftActionRule {
  kind: 'soft-action';
  match: SoftActionMatch;
  pattern: string;
  command: string;
  source: string;
}

/** An `@` line taken as it is from nohang's packaged config (the desktop preset's rules). */
export interface RawRule {
  kind: 'raw';
  line: string;
  source: string;
}

export type PolicyRule = BadnessRule | SoftActionRule | RawRule;

export const PROTECT_ADJ = -1000;
export const PREFER_ADJ = 300;

/** One nohang setting in its nohang spelling (`5 %`, `True`), and who set it. */
export interface Setting {
  key: string;
  value: string;
  source: string;
}

/**
 * The `memory_policy` override fields and the nohang key each sets. Thresholds are minimums for
 * MemAvailable (`mem`) and SwapFree (`swap`), maximums for zram use and PSI.
 */
export const POLICY_FIELDS: Readonly<Record<string, string>> = {
  'mem.warning': 'warning_threshold_min_mem',
  'mem.soft': 'soft_threshold_min_mem',
  'mem.hard': 'hard_threshold_min_mem',
  'swap.warning': 'warning_threshold_min_swap',
  'swap.soft': 'soft_threshold_min_swap',
  'swap.hard': 'hard_threshold_min_swap',
  'zram.enabled': 'zram_checking_enabled',
  'zram.warning': 'warning_threshold_max_zram',
  'zram.soft': 'soft_threshold_max_zram',
  'zram.hard': 'hard_threshold_max_zram',
  'psi.enabled': 'psi_checking_enabled',
  'psi.metric': 'psi_metrics',
  'psi.duration': 'psi_excess_duration',
  'psi.warning': 'warning_threshold_max_psi',
  'psi.soft': 'soft_threshold_max_psi',
  'psi.hard': 'hard_threshold_max_psi',
};

/** The policy field for a nohang key, for messages (`soft_threshold_min_mem` → `mem.soft`). */
export function fieldOf(key: string): string | undefined {
  return Object.entries(POLICY_FIELDS).find(([, k]) => k === key)?.[0];
}

/** One cloud-config source's `memory_policy` block, read and checked value by value. */
export interface PolicyBlock {
  file: string;
  preset?: {value: string; input: string; where: string};
  settings: Setting[];
  rules: PolicyRule[];
  errors: Problem[];
  warnings: Problem[];
}

/** The policy a boot applies, after precedence, validation and the fallback to the preset. */
export interface EffectivePolicy {
  preset: PresetName;
  /** `rd.immucore.memory=server`, `/oem/90_memory.yaml:2`, or `the default for recovery boots`. */
  presetSource: string;
  /** The key set and values the file starts from (undefined for `off`: nothing is rendered). */
  base?: NohangBase;
  /** Every setting the preset or an override chose (the base's values for the rest). */
  settings: Setting[];
  /** The overrides that were applied (a subset of `settings`). */
  overrides: Setting[];
  rules: PolicyRule[];
  /** True when the overrides were invalid and the preset alone applies. */
  fellBack: boolean;
  errors: Problem[];
  warnings: Problem[];
}

export interface NohangBase {
  /** `/usr/share/nohang/nohang.conf in the image`, or `built-in nohang 0.2.0 defaults`. */
  source: string;
  entries: Array<[key: string, value: string]>;
  /** `@` lines kept from the packaged file (the desktop config protects desktop sessions). */
  rules: string[];
}

/** The packaged defaults of nohang in an image, for nohang.service and nohang-desktop.service. */
export interface NohangBases {
  nohang: NohangBase;
  desktop: NohangBase;
}
