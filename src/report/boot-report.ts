// /run/immucore/report.json: what this boot decided and did, for `immucore status`, for support
// and for tests. Built from the plan and the runner's records; pure.

import type {AssessmentReport} from '../assess/describe.ts';
import {renderError} from '../boot/errors.ts';
import type {UnlockRecord} from '../boot/luks.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import type {BootPlan} from '../boot/plan.ts';
import type {Problem} from '../boot/problem.ts';
import type {SeedCounts} from '../boot/seed.ts';
import type {RunResult, StepRecord} from '../dag/index.ts';
import type {MemoryReport} from '../memory/report.ts';

/** A mount immucore made: the planned spec (fstype resolved) and the device it resolved to. */
export interface MountMade extends MountSpec {
  step: string;
  /** The block device or loop device behind a LABEL=/UUID= source. */
  device?: string;
  /** `already`: the target already held this source (e.g. dracut mounted /sysroot). */
  result: 'mounted' | 'already';
  /** The target as planned, when a symlink in the root led the mount to `target` instead. */
  requested?: string;
}

/** One item of a step that failed while the step went on (a volume, an RW path, a persistent path). */
export interface ItemFailure {
  step: string;
  item: string;
  message: string;
  hint?: string;
}

/** What a boot did to one persistent state dir (SPEC §5): seeded it from the image, or not. */
export interface SeedRecord extends SeedCounts {
  /** The persistent path: `/etc/ssh`. */
  path: string;
  /** Where its state dir is: `/sysroot/usr/local/.state/etc-ssh.bind`. */
  stateDir: string;
  /** `unchanged`: seeded from this image already; `first`: a new state dir; `update`: another image. */
  kind: 'unchanged' | 'first' | 'update';
  /** The booted image's identity, and the one that seeded the state dir before. */
  image?: string;
  previous?: string;
  /** An earlier seed of this path was cut short (a power loss, a kill); this one started over. */
  cutShort?: boolean;
  durationMs: number;
}

export type BootStatus = 'ok' | 'degraded' | 'failed' | 'cancelled';

/** A run made by `immucore retry` in the emergency shell, after the run that failed. */
export interface RetryRecord {
  /** 1 for the first retry of this boot. */
  attempt: number;
  at: string;
  /** The status of the run before. */
  previous: BootStatus;
  /** Steps not run again (a stage that completed before). */
  skipped?: string[];
}

export interface BootReport {
  version: 1;
  status: BootStatus;
  state: string;
  mode: string;
  cmdline: string;
  image?: string;
  startedAt: string;
  durationMs: number;
  problems: Problem[];
  steps: Array<{
    name: string;
    policy: string;
    outcome: StepRecord['outcome'];
    startMs?: number;
    durationMs?: number;
    skipReason?: string;
    error?: {message: string; lines: string[]};
    mounts: MountMade[];
    failures: ItemFailure[];
  }>;
  mounts: MountMade[];
  failures: ItemFailure[];
  /** Items skipped with a warning (an RW path missing from the image): the boot stays ok. */
  warnings: ItemFailure[];
  criticalPath: string[];
  /** The effective memory policy and what the initramfs guard did (SPEC §10). */
  memory?: MemoryReport;
  /** Each persistent state dir: what its seed from the image added, updated, kept and left. */
  seeds?: SeedRecord[];
  /** The boot assessment: slot, counted try, tries, fallback and why (SPEC §10b). */
  assessment?: AssessmentReport;
  /** Each encrypted volume: its container, how it was found and unlocked, or why not (SPEC §5). */
  encryption?: UnlockRecord[];
  /** Set when `immucore retry` made this run. */
  retry?: RetryRecord;
}

export interface ReportInput {
  plan: BootPlan;
  /** Every input problem: the plan's, then the layout's. */
  problems: Problem[];
  records: StepRecord[];
  /** The run's status, or undefined while the report step itself is still running. */
  status: RunResult['status'];
  mounts: MountMade[];
  failures: ItemFailure[];
  warnings: ItemFailure[];
  startedAt: Date;
  durationMs: number;
  criticalPath: string[];
  memory?: MemoryReport;
  seeds?: SeedRecord[];
  assessment?: AssessmentReport;
  encryption?: UnlockRecord[];
  retry?: RetryRecord;
}

/**
 * The boot's status: failed or cancelled as the runner says; degraded when a step or an item failed
 * or the input had an error (a default was used in its place); ok otherwise.
 */
export function decideBootStatus(input: Pick<ReportInput, 'status' | 'failures' | 'problems'>): BootStatus {
  if (input.status === 'failed' || input.status === 'cancelled') return input.status;
  const inputErrors = input.problems.some((p) => p.level === 'error');
  return input.status === 'degraded' || input.failures.length > 0 || inputErrors ? 'degraded' : 'ok';
}

export function buildReport(input: ReportInput): BootReport {
  const {plan} = input;
  return {
    version: 1,
    status: decideBootStatus(input),
    state: plan.state.state,
    mode: plan.state.mode,
    cmdline: plan.config.raw.trim(),
    ...(plan.image ? {image: plan.image} : {}),
    startedAt: input.startedAt.toISOString(),
    durationMs: round(input.durationMs),
    problems: input.problems,
    steps: input.records.map((r) => ({
      name: r.name,
      policy: plan.steps.find((s) => s.name === r.name)?.policy ?? 'degrade',
      outcome: r.outcome,
      ...(r.startMs !== undefined ? {startMs: round(r.startMs), durationMs: round(r.durationMs ?? 0)} : {}),
      ...(r.skipReason ? {skipReason: r.skipReason} : {}),
      ...(r.error ? {error: {message: r.error.message, lines: renderError(r.error)}} : {}),
      mounts: input.mounts.filter((m) => m.step === r.name),
      failures: input.failures.filter((f) => f.step === r.name),
    })),
    mounts: input.mounts,
    failures: input.failures,
    warnings: input.warnings,
    criticalPath: input.criticalPath,
    ...(input.memory?.policy || input.memory?.guard ? {memory: input.memory} : {}),
    ...(input.seeds?.length ? {seeds: input.seeds} : {}),
    ...(input.assessment ? {assessment: input.assessment} : {}),
    ...(input.encryption?.length ? {encryption: input.encryption} : {}),
    ...(input.retry ? {retry: input.retry} : {}),
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
