// The initramfs memory guard: nohang is not running yet while the stages run, so immucore watches
// MemAvailable (and PSI where the kernel has it) itself and, at the policy's hard threshold, stops
// the stage step that is running. It does what nohang's hard threshold would, minus the swap
// condition: the initramfs has no swap.
import type {Sys} from '../sys/sys.ts';
import {MEMINFO, PSI_MEMORY, parseMeminfo, parsePsiMetric} from './meminfo.ts';
import type {EffectivePolicy} from './policy.ts';
import {formatNumber, mib, thresholdKiB} from './values.ts';

/**
 * How often the guard reads /proc/meminfo. The kernel has no event for MemAvailable crossing a
 * level, so this period is the measurement itself, not a wait for something: 200 ms keeps a
 * runaway step from eating more than a fraction of a second's worth of allocations past the
 * threshold (≤ 250 ms, issue 6), at the cost of one small file read per period.
 */
export const GUARD_PERIOD_MS = 200;

export interface GuardLimits {
  /** Stop the step when MemAvailable is at or below this. */
  memAvailableKiB: number;
  /** `hard_threshold_min_mem = 5 % of 512 MiB`, for messages. */
  memSetting: string;
  /** PSI above `max` for `durationSec` also stops it (when the policy checks PSI). */
  psi?: {metric: string; max: number; durationSec: number};
}

export interface GuardSample {
  memAvailableKiB?: number;
  psi?: number;
}

export interface GuardState {
  /** When PSI first went above the hard threshold, in this run of samples. */
  psiAboveSinceMs?: number;
}

/** The guard's limits from the policy's hard thresholds; undefined when the policy is off. */
export function decideGuardLimits(policy: EffectivePolicy, memTotalKiB: number): GuardLimits | undefined {
  if (policy.preset === 'off') return undefined;
  const value = (key: string) =>
    policy.settings.find((s) => s.key === key)?.value ?? policy.base?.entries.find(([k]) => k === key)?.[1];
  const hard = value('hard_threshold_min_mem') ?? '2 %';
  const kib = thresholdKiB(hard, memTotalKiB) ?? 0;
  const limits: GuardLimits = {
    memAvailableKiB: kib,
    memSetting: `hard_threshold_min_mem = ${hard}${hard.endsWith('%') ? ` of ${mib(memTotalKiB)} MiB` : ''}`,
  };
  const max = Number(value('hard_threshold_max_psi'));
  if (value('psi_checking_enabled') === 'True' && Number.isFinite(max))
    limits.psi = {
      metric: value('psi_metrics') ?? 'full_avg10',
      max,
      durationSec: Number(value('psi_excess_duration') ?? 0) || 0,
    };
  return limits;
}

/** Has a sample crossed a hard threshold? `reason` says which, with the numbers. */
export function decideBreach(
  sample: GuardSample,
  limits: GuardLimits,
  state: GuardState,
  nowMs: number,
): {reason?: string; state: GuardState} {
  if (sample.memAvailableKiB !== undefined && sample.memAvailableKiB <= limits.memAvailableKiB)
    return {
      reason: `MemAvailable ${mib(sample.memAvailableKiB)} MiB is at or below the hard threshold ${mib(limits.memAvailableKiB)} MiB (${limits.memSetting})`,
      state: {},
    };
  if (!limits.psi || sample.psi === undefined || sample.psi <= limits.psi.max) return {state: {}};
  const since = state.psiAboveSinceMs ?? nowMs;
  if (nowMs - since < limits.psi.durationSec * 1000) return {state: {psiAboveSinceMs: since}};
  const {metric, max, durationSec} = limits.psi;
  return {
    reason: `memory pressure ${metric} ${formatNumber(sample.psi)} has been above the hard threshold ${max} (hard_threshold_max_psi) for ${durationSec} s`,
    state: {},
  };
}

export interface GuardOptions {
  sys: Sys;
  limits: GuardLimits;
  /** Called on every sample that crosses a threshold. */
  onBreach: (reason: string) => void;
  periodMs?: number;
  now?: () => number;
}

/** Samples memory every period until stopped; reads go through Sys, so tests drive it with files. */
export class MemoryGuard {
  samples = 0;
  private state: GuardState = {};
  private timer?: NodeJS.Timeout;
  private tick?: Promise<void>;
  private stopped = false;

  constructor(private readonly opts: GuardOptions) {}

  start(): void {
    this.tick = this.sample();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
  }

  private async sample(): Promise<void> {
    try {
      const {sys, limits} = this.opts;
      const meminfo = parseMeminfo((await sys.readText(MEMINFO).catch(() => undefined)) ?? '');
      const psiText = limits.psi ? await sys.readText(PSI_MEMORY).catch(() => undefined) : undefined;
      const psi =
        psiText !== undefined && limits.psi ? parsePsiMetric(psiText, limits.psi.metric) : undefined;
      this.samples++;
      const sample: GuardSample = {
        ...(meminfo.memAvailableKiB === undefined ? {} : {memAvailableKiB: meminfo.memAvailableKiB}),
        ...(psi === undefined ? {} : {psi}),
      };
      const decided = decideBreach(sample, limits, this.state, (this.opts.now ?? Date.now)());
      this.state = decided.state;
      if (decided.reason && !this.stopped) this.opts.onBreach(decided.reason);
    } catch {
      // A sample that could not be taken is a missed sample; the next comes one period later.
    } finally {
      if (!this.stopped) {
        this.timer = setTimeout(() => {
          this.tick = this.sample();
        }, this.opts.periodMs ?? GUARD_PERIOD_MS);
        // The guard never keeps immucore alive on its own: the stage it watches does.
        this.timer.unref();
      }
    }
  }
}
