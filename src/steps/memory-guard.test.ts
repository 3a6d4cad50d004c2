import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext} from '../../test/fakes/step-context.ts';
import {silentLogger} from '../log/logger.ts';
import {loadMemoryPolicy} from '../memory/load.ts';
import type {RunningStep, StageSummary} from '../stages/runner.ts';
import {SysError} from '../sys/sys.ts';
import type {StageRunner, StepContext} from './context.ts';
import {protectFromOomKiller, runGuarded} from './memory-guard.ts';

const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const meminfo = (availableMiB: number) => `MemTotal: 524288 kB\nMemAvailable: ${availableMiB * 1024} kB\n`;

/** A stage runner whose one step runs until the guard stops it (or 2 s pass). */
class HogStages implements StageRunner {
  readonly reasons: string[] = [];
  private stop?: () => void;
  get runningStep(): RunningStep | undefined {
    return this.stop ? {label: 'rootfs "hog"', processGroup: 4242} : undefined;
  }
  killRunningStep(reason: string): boolean {
    if (!this.stop) return false;
    this.reasons.push(reason);
    this.stop();
    this.stop = undefined;
    return true;
  }
  async runStage(): Promise<StageSummary> {
    await new Promise<void>((resolve) => {
      this.stop = resolve;
      setTimeout(resolve, 2000);
    });
    this.stop = undefined;
    return {ran: 1, skipped: 0, failed: 0};
  }
}

function context(sys: FakeSys, stages: StageRunner, cmdline = ACTIVE): StepContext {
  return stepContext(sys, {cmdline, step: 'rootfs-stage', stages});
}

/** The policy the boot would decide for the context's cmdline. */
async function policyOf(ctx: StepContext) {
  const {config, state} = ctx.plan;
  return (await loadMemoryPolicy({sys: ctx.sys, root: '/sysroot', config, state: state.state})).policy;
}

describe('runGuarded', () => {
  it('stops the running step at the hard threshold and records the kill', async () => {
    const sys = new FakeSys().with({'/proc/meminfo': meminfo(10)});
    const stages = new HogStages();
    const ctx = context(sys, stages, `${ACTIVE} rd.immucore.memory=recovery`);
    const started = Date.now();
    await runGuarded(ctx, policyOf(ctx), () => stages.runStage(), {periodMs: 20});
    expect(Date.now() - started).toBeLessThan(1500);
    expect(stages.reasons).toEqual([
      'memory guard: MemAvailable 10 MiB is at or below the hard threshold 25.6 MiB (hard_threshold_min_mem = 5 % of 512 MiB)',
    ]);
    expect(ctx.boot.memory.guard).toEqual([
      expect.objectContaining({
        step: 'rootfs-stage',
        hardThresholdMiB: 25.6,
        periodMs: 20,
        kills: [
          {item: 'rootfs "hog"', processGroup: 4242, reason: expect.stringMatching(/^MemAvailable 10 MiB/)},
        ],
      }),
    ]);
  });

  it('is off with the policy, and says why', async () => {
    const sys = new FakeSys().with({'/proc/meminfo': meminfo(10)});
    const ctx = context(sys, new HogStages(), `${ACTIVE} rd.immucore.memory=off`);
    await runGuarded(ctx, policyOf(ctx), async () => {});
    expect(ctx.boot.memory.guard).toEqual([
      {step: 'rootfs-stage', off: 'the memory policy is off (rd.immucore.memory=off)', kills: []},
    ]);
  });

  it('is off without MemAvailable, and says why', async () => {
    const ctx = context(new FakeSys(), new HogStages());
    await runGuarded(ctx, policyOf(ctx), async () => {});
    expect(ctx.boot.memory.guard?.[0]?.off).toBe('no MemTotal and MemAvailable in /proc/meminfo');
  });
});

describe('protectFromOomKiller', () => {
  it("sets immucore's own oom_score_adj to -1000 under the root's /proc", async () => {
    const sys = new FakeSys();
    await sys.mkdirp('/proc/self');
    await protectFromOomKiller(sys, silentLogger());
    expect(sys.files.get('/proc/self/oom_score_adj')?.text).toBe('-1000\n');
  });

  it('leaves a root without /proc alone', async () => {
    const sys = new FakeSys();
    await protectFromOomKiller(sys, silentLogger());
    expect(sys.files.size).toBe(0);
  });

  it('warns and goes on when the kernel refuses', async () => {
    const sys = new FakeSys();
    await sys.mkdirp('/proc/self');
    sys.writeText = async () => {
      throw new SysError('write /proc/self/oom_score_adj: EACCES', {code: 'EACCES'});
    };
    const warnings: string[] = [];
    const log = Object.assign(silentLogger(), {warn: (m: string) => warnings.push(m)});
    await protectFromOomKiller(sys, log);
    expect(warnings).toEqual([
      expect.stringMatching(/cannot set \/proc\/self\/oom_score_adj to -1000: .*EACCES, ignoring\.$/),
    ]);
  });
});
