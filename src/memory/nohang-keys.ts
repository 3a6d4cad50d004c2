// nohang 0.2.0's configuration keys (Debian's /usr/share/nohang/nohang.conf), in the packaged
// file's order, with their defaults and the values nohang accepts. nohang exits when a key is
// missing or repeated, so a rendered file carries every key exactly once. Used when the image
// carries no packaged default to read the key set from.

/** What values a key takes, as nohang 0.2.0 checks them (the stricter of its docs and its code). */
export type KeyRange =
  | {type: 'bool'}
  | {type: 'string'}
  | {type: 'enum'; values: readonly string[]}
  | {type: 'float'; min: number; max?: number}
  | {type: 'int'; min: number}
  /** `<n> %` of MemTotal, or `<n> M` converted to a share of MemTotal, within [min; max] %. */
  | {type: 'share'; min: number; max: number}
  /** `<n> %` within [0; 100], or `<n> M` ≥ 0 (swap thresholds). */
  | {type: 'swap'};

export interface NohangKey {
  key: string;
  value: string;
  range: KeyRange;
}

export const NOHANG_VERSION = '0.2.0';

export const PSI_METRICS = [
  'some_avg10',
  'some_avg60',
  'some_avg300',
  'full_avg10',
  'full_avg60',
  'full_avg300',
] as const;

const bool: KeyRange = {type: 'bool'};
const str: KeyRange = {type: 'string'};
const atLeast = (min: number): KeyRange => ({type: 'float', min});
const share = (min: number, max: number): KeyRange => ({type: 'share', min, max});
const swap: KeyRange = {type: 'swap'};
// nohang's docs say [5; 100] for soft/hard PSI and [0; 100] for warnings; its code refuses < 1.
const psi = (min: number): KeyRange => ({type: 'float', min, max: 100});

const K = (key: string, value: string, range: KeyRange): NohangKey => ({key, value, range});

export const NOHANG_KEYS: readonly NohangKey[] = [
  K('zram_checking_enabled', 'False', bool),
  K('psi_checking_enabled', 'False', bool),
  K('psi_path', '/proc/pressure/memory', str),
  K('psi_metrics', 'full_avg10', {type: 'enum', values: PSI_METRICS}),
  K('psi_excess_duration', '30', atLeast(0)),
  K('psi_post_action_delay', '15', atLeast(10)),
  K('fill_rate_mem', '6000', atLeast(100)),
  K('fill_rate_swap', '2000', atLeast(100)),
  K('fill_rate_zram', '4000', atLeast(100)),
  K('max_sleep', '3', atLeast(0.01)),
  K('min_sleep', '0.1', atLeast(0.01)),
  K('post_action_gui_notifications', 'False', bool),
  K('hide_corrective_action_type', 'False', bool),
  K('low_memory_warnings_enabled', 'False', bool),
  K('warning_exe', '', str),
  K('warning_threshold_min_mem', '20 %', share(0, 100)),
  K('warning_threshold_min_swap', '25 %', swap),
  K('warning_threshold_max_zram', '45 %', share(0, 100)),
  K('warning_threshold_max_psi', '10', psi(1)),
  K('min_post_warning_delay', '60', atLeast(1)),
  K('env_cache_time', '300', atLeast(0)),
  K('soft_threshold_min_mem', '5 %', share(0, 50)),
  K('soft_threshold_min_swap', '10 %', swap),
  K('soft_threshold_max_zram', '55 %', share(10, 90)),
  K('soft_threshold_max_psi', '40', psi(5)),
  K('hard_threshold_min_mem', '2 %', share(0, 50)),
  K('hard_threshold_min_swap', '4 %', swap),
  K('hard_threshold_max_zram', '60 %', share(10, 90)),
  K('hard_threshold_max_psi', '90', psi(5)),
  K('ignore_positive_oom_score_adj', 'False', bool),
  K('max_soft_exit_time', '10', atLeast(0.1)),
  K('post_kill_exe', '', str),
  K('min_badness', '1', {type: 'int', min: 1}),
  K('post_soft_action_delay', '3', atLeast(0.1)),
  K('post_zombie_delay', '0.1', atLeast(0)),
  K('victim_cache_time', '10', atLeast(0)),
  K('exe_timeout', '20', atLeast(0.1)),
  K('print_config_at_startup', 'False', bool),
  K('print_mem_check_results', 'False', bool),
  K('min_mem_report_interval', '60', atLeast(0)),
  K('print_proc_table', 'False', bool),
  K('extra_table_info', 'None', {
    type: 'enum',
    values: ['None', 'cgroup_v1', 'cgroup_v2', 'realpath', 'cwd', 'cmdline', 'environ'],
  }),
  K('print_victim_status', 'True', bool),
  K('print_victim_cmdline', 'False', bool),
  K('max_victim_ancestry_depth', '3', {type: 'int', min: 1}),
  K('print_statistics', 'True', bool),
  K('debug_psi', 'False', bool),
  K('debug_gui_notifications', 'False', bool),
  K('debug_sleep', 'False', bool),
  K('debug_threading', 'False', bool),
  K('separate_log', 'False', bool),
];

/** The range of a known key; undefined for a key this list does not know (a newer nohang's). */
export function rangeOf(key: string): KeyRange | undefined {
  return NOHANG_KEYS.find((k) => k.key === key)?.range;
}

/** A nohang config as nohang reads it: `key = value` lines in order, and the `@` lines. */
export interface NohangConf {
  entries: Array<[key: string, value: string]>;
  rules: string[];
  /** Keys written twice (nohang refuses the file). */
  duplicates: string[];
}

/**
 * Parse a config the way nohang 0.2.0 does: lines starting with `#`, a space, a tab or nothing
 * are comments; `@` lines are optional rules; every other line is `key = value`.
 */
export function parseNohangConf(text: string): NohangConf {
  const out: NohangConf = {entries: [], rules: [], duplicates: []};
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || /^[#\t ]/.test(line)) continue;
    if (line.startsWith('@')) {
      out.rules.push(line.trimEnd());
      continue;
    }
    const at = line.indexOf('=');
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const value = at < 0 ? '' : line.slice(at + 1).trim();
    if (seen.has(key)) out.duplicates.push(key);
    else out.entries.push([key, value]);
    seen.add(key);
  }
  return out;
}
