// The cloud-config stage runner behind the `rootfs-stage` and `initramfs-stage` boot steps. A stage
// never blocks the boot: a failing step is logged with its file, stage and name and recorded (the
// boot is then degraded), and the next step runs.
import type {BootConfig} from '../boot/boot-config.ts';
import type {Problem} from '../boot/problem.ts';
import {type ConfigSources, readConfigSources} from '../inputs/read-inputs.ts';
import type {Logger} from '../log/logger.ts';
import {RootView} from '../sys/root-view.ts';
import type {Sys} from '../sys/sys.ts';
import {bindChroot, unbindChroot} from './chroot-binds.ts';
import {conditionPaths, decideConditions, hasConditions} from './conditions.ts';
import {unsupportedHint} from './directives.ts';
import {loadStageSources} from './load.ts';
import {planStage} from './plan.ts';
import {hasTemplates, renderStepTemplates} from './render-step.ts';
import {gatherRootFacts} from './root-facts.ts';
import {runStep} from './run-step.ts';
import {createStepEnv} from './step-env.ts';
import {gatherTemplateFacts, type TemplateFacts} from './template-data.ts';
import {type PlannedStep, type StageName, type StagePlan, stageParts, stageRoot} from './types.ts';

/** One item a stage reports: a failed step (the boot is then degraded) or a warning. */
export interface StageIssue {
  item: string;
  message: string;
  hint?: string;
}

/** What a stage run needs from whoever runs it: the boot step, or `immucore stages run`. */
export interface StageContext {
  readonly sys: Sys;
  /** Already prefixed with the boot step's name. */
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly config: Pick<BootConfig, 'configUrl' | 'dotNotation'>;
  readonly failure: (issue: StageIssue) => void;
  readonly warning: (issue: StageIssue) => void;
}

/** The step that is running now, for the memory guard (issue 6). */
export interface RunningStep {
  label: string;
  /** The process group of the tool the step is running, if any. */
  processGroup?: number;
}

/** What a whole stage did, for `immucore stages run`. */
export interface StageSummary {
  ran: number;
  skipped: number;
  failed: number;
}

/** Plan a stage as seen from its root: read the sources (unless given), order the steps. Touches nothing. */
export async function planStageFromSys(
  sys: Sys,
  stage: StageName,
  config: Pick<BootConfig, 'configUrl' | 'dotNotation'>,
  sources?: ConfigSources,
): Promise<StagePlan> {
  const read = sources ?? (await readConfigSources(sys, stageRoot(stage), config.configUrl));
  const plan = planStage(stage, loadStageSources(read, config));
  const paths = plan.steps.flatMap((s) => conditionPaths(s.step.conditions));
  return {...plan, facts: await gatherRootFacts(new RootView(sys, plan.root), paths)};
}

export class CloudConfigStages {
  private running?: {label: string; controller: AbortController; pid?: number};
  /** Problems of the sources already reported: both stages read /oem, say it once per boot. */
  private readonly reported = new Set<string>();

  /** The stage step running now, if any. */
  get runningStep(): RunningStep | undefined {
    const r = this.running;
    return r && {label: r.label, ...(r.pid !== undefined ? {processGroup: r.pid} : {})};
  }

  /** Kill the running step's process group and fail that step with `reason`; false if none runs. */
  killRunningStep(reason: string): boolean {
    if (!this.running || this.running.controller.signal.aborted) return false;
    this.running.controller.abort(new Error(reason));
    return true;
  }

  /** Run a stage; `sources` are the ones already read for it (else they are read now). */
  async runStage(stage: StageName, ctx: StageContext, sources?: ConfigSources): Promise<StageSummary> {
    const plan = await planStageFromSys(ctx.sys, stage, ctx.config, sources);
    const summary: StageSummary = {ran: 0, skipped: 0, failed: 0};
    this.reportPlan(plan, ctx);
    if (plan.steps.length === 0) {
      ctx.log.info(`${stage} stage: no steps in ${plan.files.length} source(s)`);
      return summary;
    }
    ctx.log.info(
      `${stage} stage: ${plan.steps.length} step(s) from ${plan.files.length} source(s), seen from ${plan.root}`,
    );
    const view = new RootView(ctx.sys, plan.root);
    let facts: Promise<TemplateFacts> | undefined;
    const templateFacts = () => {
      facts ??= gatherTemplateFacts(view);
      return facts;
    };
    const chrooted = plan.root !== '/';
    const binds = chrooted ? await bindChroot(ctx.sys, plan.root, ctx.log) : {made: [], problems: []};
    for (const p of binds.problems) addWarning(ctx, p.item, p.message, p.hint);
    try {
      for (const [i, part] of stageParts(stage).entries()) {
        // yip reads the sources again for each part: what a `.before` step wrote (a datasource's
        // user data, a file in /oem) applies in the same boot.
        const partPlan = i === 0 ? plan : await planStageFromSys(ctx.sys, stage, ctx.config);
        if (i > 0) this.reportPlan(partPlan, ctx);
        for (const planned of partPlan.steps.filter((s) => s.part === part)) {
          if (ctx.signal.aborted) {
            ctx.log.warn(`${stage} stage stopped before ${planned.label}`);
            break;
          }
          summary[await this.runPlanned(planned, partPlan, view, templateFacts, ctx)]++;
        }
        if (ctx.signal.aborted) break;
      }
    } finally {
      for (const f of await unbindChroot(ctx.sys, binds.made, ctx.log))
        addFailure(
          ctx,
          f,
          `the ${stage} stage left a bind in the new root: ${f}`,
          'Find the process a step left running (fuser -m) and stop it.',
        );
    }
    ctx.log.info(`${stage} stage: ${summary.ran} ran, ${summary.skipped} skipped, ${summary.failed} failed`);
    return summary;
  }

  /** Log the plan's problems; errors cost a source (degraded), unsupported directives are warnings. */
  private reportPlan(plan: StagePlan, ctx: StageContext): void {
    const once = (p: Problem) => !this.reported.has(p.message) && this.reported.add(p.message);
    for (const e of plan.errors.filter(once)) addFailure(ctx, e.input, e.message, e.hint);
    for (const w of plan.warnings.filter(once)) addWarning(ctx, w.input, w.message, w.hint);
    for (const u of plan.unsupported) {
      const where =
        u.where.length > 2
          ? `${u.where.slice(0, 2).join(', ')} and ${u.where.length - 2} more`
          : u.where.join(', ');
      const message = `${plan.stage} stage: unsupported directive ${u.name} skipped, in ${where}`;
      if (this.reported.has(message)) continue;
      this.reported.add(message);
      addWarning(ctx, u.name, message, unsupportedHint(u.name));
    }
  }

  private async runPlanned(
    planned: PlannedStep,
    plan: StagePlan,
    view: RootView,
    templateFacts: () => Promise<TemplateFacts>,
    ctx: StageContext,
  ): Promise<'ran' | 'skipped' | 'failed'> {
    const {label} = planned;
    let {step} = planned;
    for (const w of step.warnings) ctx.log.warn(`${w.message}. Try: ${w.hint}`);
    if (step.errors.length > 0) {
      const why = step.errors.map((e) => e.message).join('; ');
      addFailure(ctx, label, `${label} not run: ${why}`, step.errors[0]?.hint);
      return 'failed';
    }
    if (hasConditions(step.conditions)) {
      // if_files is looked at now: an earlier step may have made or removed the file.
      const facts = await gatherRootFacts(view, conditionPaths(step.conditions));
      const verdicts = decideConditions(step.conditions, {
        ...(plan.facts ?? facts),
        existing: facts.existing,
      });
      const failed = verdicts.find((v) => !v.pass);
      if (failed) {
        ctx.log.info(`${label}: skipped, ${failed.condition}: ${failed.reason}`);
        return 'skipped';
      }
    }
    if (hasTemplates(step)) {
      try {
        step = renderStepTemplates(step, await templateFacts(), process.env);
      } catch (err) {
        addFailure(
          ctx,
          label,
          `${label} not run: ${(err as Error).message}`,
          'Fix the template (Go text/template with sprig functions); `immucore stages list` checks its syntax.',
        );
        return 'failed';
      }
    }
    const controller = new AbortController();
    const stop = () => controller.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', stop, {once: true});
    const running: {label: string; controller: AbortController; pid?: number} = {label, controller};
    this.running = running;
    const started = Date.now();
    try {
      const env = createStepEnv({
        view,
        log: ctx.log,
        signal: controller.signal,
        deadline: started + step.timeoutSec * 1000,
        timeoutSec: step.timeoutSec,
        onProcess: (pid) => {
          running.pid = pid;
        },
        warn: (item, message, hint) => addWarning(ctx, item, `${label}: ${message}`, hint),
      });
      const outcome = await runStep(env, step);
      if (!outcome.ran) {
        ctx.log.info(`${label}: skipped, ${outcome.reason}`);
        return 'skipped';
      }
      ctx.log.info(`${label}: done in ${Date.now() - started}ms`);
      return 'ran';
    } catch (err) {
      const stopped =
        controller.signal.aborted && !ctx.signal.aborted ? ` (stopped: ${reasonOf(controller.signal)})` : '';
      const timedOut = hasCode(err, 'ETIMEDOUT') ? ` (its timeout of ${step.timeoutSec} s was reached)` : '';
      const message = `${label} failed${stopped}${timedOut}: ${(err as Error).message}`;
      addFailure(
        ctx,
        label,
        message,
        timedOut
          ? 'Raise timeout: for this step, or find out why it hangs.'
          : 'Fix the step, or run it by hand from the emergency shell to see why it fails.',
      );
      return 'failed';
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      this.running = undefined;
    }
  }
}

function addFailure(ctx: StageContext, item: string, message: string, hint?: string): void {
  ctx.log.error(hint ? `${message}. Try: ${hint}` : message);
  ctx.failure({item, message, ...(hint ? {hint} : {})});
}

function addWarning(ctx: StageContext, item: string, message: string, hint?: string): void {
  ctx.log.warn(hint ? `${message}. Try: ${hint}` : message);
  ctx.warning({item, message, ...(hint ? {hint} : {})});
}

/** Does the error, or any failure or cause inside it, carry `code`? */
function hasCode(err: unknown, code: string): boolean {
  const e = err as {code?: unknown; failures?: unknown[]; cause?: unknown} | null | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.code === code) return true;
  if (Array.isArray(e.failures)) return e.failures.some((f) => hasCode(f, code));
  return hasCode(e.cause, code);
}

function reasonOf(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
}
