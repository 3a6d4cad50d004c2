// What every boot step gets (STYLE §2: plan, sys, log, signal), plus the boot session: what steps
// hand to each other (the mount plan load-layout makes, the loop device, the mounts made, per-item
// failures, the memory policy), which the report and fstab are built from.
import type {AssessmentReport} from '../assess/describe.ts';
import type {UnlockRecord} from '../boot/luks.ts';
import type {MountPlan} from '../boot/mount-plan.ts';
import type {BootPlan} from '../boot/plan.ts';
import type {Problem} from '../boot/problem.ts';
import type {StepRecord} from '../dag/index.ts';
import type {Logger} from '../log/logger.ts';
import type {EffectivePolicy} from '../memory/policy.ts';
import type {MemoryReport} from '../memory/report.ts';
import type {ItemFailure, MountMade, RetryRecord, SeedRecord} from '../report/boot-report.ts';
import type {CloudConfigStages, StageContext} from '../stages/runner.ts';
import type {Sys} from '../sys/sys.ts';

/** The stage runner as the boot uses it: run a stage, and stop the running step (memory guard). */
export type StageRunner = Pick<CloudConfigStages, 'runStage' | 'runningStep' | 'killRunningStep'>;

export class BootSession {
  readonly plan: BootPlan;
  loopDevice?: string;
  readonly mounts: MountMade[] = [];
  readonly failures: ItemFailure[] = [];
  readonly warnings: ItemFailure[] = [];
  /** What mount-persistent did to each state dir. */
  readonly seeds: SeedRecord[] = [];
  /** The memory policy and the initramfs guard, for the report (SPEC §10). */
  readonly memory: MemoryReport = {};
  /** The policy memory-policy decided; the initramfs stage's guard uses it instead of deciding again. */
  memoryPolicy?: EffectivePolicy;
  /** The boot assessment: slot, tries, fallback (sentinel, then mount-state with the block). */
  assessment?: AssessmentReport;
  readonly stages: StageRunner;
  /** Each encrypted volume the unlock steps handled, in order. */
  readonly unlocks: UnlockRecord[] = [];
  /** Volume (`LABEL=COS_PERSISTENT`) → the `/dev/mapper/<name>` it mounts from, once unlocked. */
  readonly mappers = new Map<string, string>();
  /** Volumes whose container stayed locked: their mount fails at once instead of waiting for a label. */
  readonly locked = new Set<string>();
  /** Volumes unlock-volumes waited the whole volumetimeout for: mount-volumes looks once, not again. */
  readonly absent = new Set<string>();
  /** unlock-oem waited oemtimeout and no OEM partition appeared: mount-oem does not wait again. */
  oemAbsent = false;
  /** The plain OEM device unlock-oem's look found: mount-oem mounts it without looking again. */
  oemDevice?: string;
  /** The TPM device did not appear within its timeout: later TPM unlocks fail at once with this. */
  tpmMissing?: Error;
  /** Set when `immucore retry` runs this boot again (the report says so). */
  retry?: RetryRecord;
  /** The runner's records so far (the report step runs before the run has ended). */
  readonly records: () => StepRecord[];
  readonly timing: () => {startedAt: Date; durationMs: number};
  private layoutMounts?: MountPlan;

  constructor(opts: {
    plan: BootPlan;
    stages: StageRunner;
    records: () => StepRecord[];
    timing: () => {startedAt: Date; durationMs: number};
  }) {
    this.plan = opts.plan;
    this.stages = opts.stages;
    this.records = opts.records;
    this.timing = opts.timing;
  }

  /** The layout's mounts (phase two); only steps after load-layout ask for them. */
  get mountPlan(): MountPlan {
    if (!this.layoutMounts) throw new Error('the layout is not loaded yet: this step must need load-layout');
    return this.layoutMounts;
  }

  get hasMountPlan(): boolean {
    return this.layoutMounts !== undefined;
  }

  /** Set once, by load-layout. */
  setMountPlan(mounts: MountPlan): void {
    if (this.layoutMounts) throw new Error('the mount plan is made once, by load-layout');
    this.layoutMounts = mounts;
  }

  /** Every input problem: the cmdline's and the plan's, then the layout's. */
  get problems(): Problem[] {
    return [...this.plan.problems, ...(this.layoutMounts?.problems ?? [])];
  }
}

export interface StepContext {
  readonly plan: BootPlan;
  readonly sys: Sys;
  /** Already prefixed with the step's name. */
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly boot: BootSession;
  /** This step's name, for the records it adds. */
  readonly step: string;
}

/** The stage runner's view of a boot step: what it reports goes to the boot's failures and warnings. */
export function stageContextOf(ctx: StepContext): StageContext {
  return {
    sys: ctx.sys,
    log: ctx.log,
    signal: ctx.signal,
    config: ctx.plan.config,
    failure: (i) => ctx.boot.failures.push({step: ctx.step, ...i}),
    warning: (i) => ctx.boot.warnings.push({step: ctx.step, ...i}),
  };
}
