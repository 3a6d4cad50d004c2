// Which policy a boot gets (SPEC §10): `rd.immucore.memory` on the cmdline wins over every
// cloud-config `memory_policy`; without either, the boot state chooses (active/passive → server,
// recovery/autoreset/live → recovery). Overrides from several files merge in source order, later
// values winning. Any invalid override drops all of them: the preset alone applies, never a
// half-applied policy, and each error is reported.
import {error, type Problem, warning} from '../boot/problem.ts';
import type {BootStateName} from '../boot/state.ts';
import type {NohangBases} from './base.ts';
import {
  type EffectivePolicy,
  fieldOf,
  isPresetName,
  type PolicyBlock,
  type PolicyRule,
  PRESETS,
  type PresetName,
  type Setting,
} from './policy.ts';
import {decideDefaultPreset, PRESET_TABLE} from './presets.ts';
import {thresholdKiB} from './values.ts';

export interface PolicyInputs {
  /** `rd.immucore.memory` as typed (`BootConfig.memory`). */
  cmdline?: string;
  /** The `memory_policy` blocks of the cloud-config sources, in source order. */
  blocks: PolicyBlock[];
  state: BootStateName;
  bases: NohangBases;
  /** MemTotal, to compare a threshold in M with one in %. */
  memTotalKiB?: number;
}

export function decideMemoryPolicy(inputs: PolicyInputs): EffectivePolicy {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const used = inputs.blocks.filter(
    (b) => b.preset || b.settings.length || b.rules.length || b.errors.length,
  );
  const fromCmdline = cmdlinePreset(inputs.cmdline, errors);
  let preset: PresetName = decideDefaultPreset(inputs.state);
  let presetSource = `the default for ${inputs.state} boots`;
  let overrides: Setting[] = [];
  let rules: PolicyRule[] = [];
  let fellBack = false;

  if (fromCmdline) {
    preset = fromCmdline;
    presetSource = `rd.immucore.memory=${fromCmdline}`;
    if (used.length > 0) {
      const files = used.map((b) => b.file).join(', ');
      warnings.push(
        warning(
          presetSource,
          `The kernel cmdline sets ${presetSource}, so the memory_policy in ${files} is not applied`,
          'Remove rd.immucore.memory from the kernel cmdline to apply the cloud-config memory_policy.',
        ),
      );
    }
  } else {
    const invalid: Problem[] = [];
    for (const block of used) {
      invalid.push(...block.errors);
      warnings.push(...block.warnings);
      if (block.preset) {
        preset = block.preset.value as PresetName;
        presetSource = block.preset.where;
      }
      overrides = mergeSettings(overrides, block.settings);
      rules.push(...block.rules);
    }
    invalid.push(...checkOrder(preset, overrides, inputs.memTotalKiB));
    errors.push(...invalid);
    fellBack = invalid.length > 0;
    if (invalid.length > 0) {
      overrides = [];
      rules = [];
    }
  }

  if (preset === 'off') {
    if (overrides.length > 0 || rules.length > 0)
      warnings.push(
        warning(
          presetSource,
          `The memory policy is off (${presetSource}), so its overrides and rules are not applied`,
          'Choose a preset (server, desktop, recovery) to apply them.',
        ),
      );
    return {preset, presetSource, settings: [], overrides: [], rules: [], fellBack, errors, warnings};
  }
  const def = PRESET_TABLE[preset];
  const base = def.desktopBase ? inputs.bases.desktop : inputs.bases.nohang;
  const known = new Set(base.entries.map(([k]) => k));
  const source = `preset ${preset}`;
  const presetSettings = Object.entries(def.settings).map(([key, value]) => ({key, value, source}));
  const settings = mergeSettings(presetSettings, overrides).filter((s) => {
    if (known.has(s.key)) return true;
    warnings.push(
      warning(
        s.key,
        `nohang in the image has no setting ${s.key} (${base.source}), so ${s.source} cannot set it; ignoring it`,
        'Install nohang 0.2.0 in the image, or leave this setting out.',
      ),
    );
    return false;
  });
  return {
    preset,
    presetSource,
    base,
    settings,
    overrides: settings.filter((s) => overrides.includes(s)),
    rules: [
      ...base.rules.map((line): PolicyRule => ({kind: 'raw', line, source: base.source})),
      ...def.rules.map((r): PolicyRule => ({...r, source})),
      ...rules,
    ],
    fellBack,
    errors,
    warnings,
  };
}

function cmdlinePreset(value: string | undefined, errors: Problem[]): PresetName | undefined {
  if (value === undefined) return undefined;
  if (isPresetName(value)) return value;
  errors.push(
    error(
      `rd.immucore.memory=${value}`,
      `Memory policy "rd.immucore.memory=${value}": "${value}" is not a preset; ignoring it`,
      `Write a preset or off, e.g. rd.immucore.memory=server (presets: ${PRESETS.join(', ')}).`,
    ),
  );
  return undefined;
}

/** `base` with each setting of `over` put in its place (or appended): later sources win. */
function mergeSettings(base: Setting[], over: Setting[]): Setting[] {
  const out = [...base];
  for (const s of over) {
    const at = out.findIndex((x) => x.key === s.key);
    if (at >= 0) out[at] = s;
    else out.push(s);
  }
  return out;
}

/** Thresholds that must not cross: `[lower, higher]` pairs, for minimums and maximums alike. */
const ORDER: Array<[string, string]> = [
  ['hard_threshold_min_mem', 'soft_threshold_min_mem'],
  ['soft_threshold_min_mem', 'warning_threshold_min_mem'],
  ['hard_threshold_min_swap', 'soft_threshold_min_swap'],
  ['soft_threshold_min_swap', 'warning_threshold_min_swap'],
  ['warning_threshold_max_zram', 'soft_threshold_max_zram'],
  ['soft_threshold_max_zram', 'hard_threshold_max_zram'],
  ['warning_threshold_max_psi', 'soft_threshold_max_psi'],
  ['soft_threshold_max_psi', 'hard_threshold_max_psi'],
];

/**
 * nohang takes crossed thresholds (a hard one that acts before the soft one), but the result is
 * not what anyone meant: an override that crosses the preset or another override is an error.
 */
export function checkOrder(preset: PresetName, overrides: Setting[], memTotalKiB?: number): Problem[] {
  if (preset === 'off') return [];
  const presetValues = PRESET_TABLE[preset].settings;
  const value = (key: string): Setting | undefined =>
    overrides.find((s) => s.key === key) ??
    (presetValues[key] === undefined
      ? undefined
      : {key, value: presetValues[key], source: `preset ${preset}`});
  const problems: Problem[] = [];
  for (const [lowKey, highKey] of ORDER) {
    const low = value(lowKey);
    const high = value(highKey);
    if (!low || !high || (!overrides.includes(low) && !overrides.includes(high))) continue;
    // A swap share is of SwapTotal, unknown here: only values in the same unit compare.
    const total = lowKey.endsWith('_swap') ? undefined : memTotalKiB;
    const a = comparable(low.value, total);
    const b = comparable(high.value, total);
    if (a === undefined || b === undefined || a.unit !== b.unit || a.n <= b.n) continue;
    const culprit = overrides.includes(low) ? low : high;
    const other = culprit === low ? high : low;
    const name = (s: Setting) => `memory_policy.${fieldOf(s.key)} (${s.key}) "${s.value}"`;
    problems.push(
      error(
        `memory_policy.${fieldOf(culprit.key)}: ${culprit.value}`,
        `${culprit.source}: ${name(low)} is above ${name(high)} from ${other.source}: ${lowKey} must not exceed ${highKey}`,
        `Set memory_policy.${fieldOf(lowKey)} at most memory_policy.${fieldOf(highKey)}.`,
      ),
    );
  }
  return problems;
}

function comparable(value: string, memTotalKiB?: number): {n: number; unit: string} | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return {n: Number(value), unit: ''};
  if (memTotalKiB !== undefined) {
    const kib = thresholdKiB(value, memTotalKiB);
    return kib === undefined ? undefined : {n: kib, unit: 'KiB'};
  }
  const m = /^(\d+(?:\.\d+)?) (%|M)$/.exec(value);
  return m ? {n: Number(m[1]), unit: m[2] as string} : undefined;
}
