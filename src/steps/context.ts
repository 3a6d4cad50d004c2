// What every boot step gets (STYLE §2: plan, sys, log, signal), plus the boot session: the
// results steps hand to each other (the loop device, the mounts made, per-item failures), which
// the report and fstab are built from.
import type {BootPlan, PlanStep} from '../boot/plan.ts';
import type {Problem} from '../boot/problem.ts';
import type {StepRecord} from '../dag/index.ts';
import type {MemoryReport} from '../memory/report.ts';
import type {ItemFailure, MountMade} from '../report/boot-report.ts';
import type {Logger} from '../report/logger.ts';
import type {Sys} from '../sys/sys.ts';

/** Runs one cloud-config stage (`rootfs`, `initramfs`); the stages issue provides the real one. */
export interface StageRunner {
  runStage(stage: 'rootfs' | 'initramfs', ctx: StepContext): Promise<void>;
}

export class BootSession {
  /** Replaced by load-layout once the rootfs stage has written the layout file. */
  plan: BootPlan;
  loopDevice?: string;
  readonly mounts: MountMade[] = [];
  readonly failures: ItemFailure[] = [];
  readonly warnings: Array<ItemFailure> = [];
  /** The memory policy and the initramfs guard, for the report (issue 6). */
  readonly memory: MemoryReport = {};
  readonly stages: StageRunner;
  /** The runner's records so far (the report step runs before the run has ended). */
  readonly records: () => StepRecord[];
  readonly timing: () => {startedAt: Date; durationMs: number};

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

  /** The current plan's entry for a step (its mounts change when the layout is loaded). */
  step(name: string): PlanStep {
    const s = this.plan.steps.find((x) => x.name === name);
    if (!s) throw new Error(`the plan has no step ${name}`);
    return s;
  }

  addProblems(problems: Problem[]): void {
    this.plan = {...this.plan, problems: [...this.plan.problems, ...problems]};
  }
}

export interface StepContext {
  /** The plan as it stands when the step starts. */
  readonly plan: BootPlan;
  readonly sys: Sys;
  /** Already prefixed with the step's name. */
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly boot: BootSession;
  /** This step's name, for the records it adds. */
  readonly step: string;
}
