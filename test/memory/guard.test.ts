// The initramfs guard for real: a stage step runs `sleep` in its own process group while the test
// rewrites the root's /proc/meminfo (and /proc/pressure/memory), which the guard reads through
// the sys seam; at the hard threshold the guard kills the group, the step fails with the reason,
// and the stage goes on. (This machine's real MemAvailable never gets near a threshold.)
import fs from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {loadMemoryPolicy} from '../../src/memory/load.ts';
import {CloudConfigStages} from '../../src/stages/runner.ts';
import {type StepContext, stageContextOf} from '../../src/steps/context.ts';
import {runGuarded} from '../../src/steps/memory-guard.ts';
import {stepContext} from '../fakes/step-context.ts';
import {membersOf} from '../helpers/process-group.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {installBusybox} from '../stages/busybox.ts';

const t = withTempRoot();
const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

const meminfo = (availableMiB: number) =>
  `MemTotal:         524288 kB\nMemFree:          ${availableMiB * 1024} kB\nMemAvailable:     ${availableMiB * 1024} kB\n`;

const HOG_CONFIG = `stages:
  rootfs:
    - name: hog
      commands: ['echo $$ > /tmp/pgid; exec sleep 60']
    - name: after
      files: [{path: /tmp/after, content: "went on\\n"}]
`;

/** A rootfs-stage context on the test root, with the real stage runner the guard can stop. */
function guardedContext(cmdline: string): {ctx: StepContext; runner: CloudConfigStages} {
  const runner = new CloudConfigStages();
  return {ctx: stepContext(t.sys, {cmdline, step: 'rootfs-stage', stages: runner}), runner};
}

/** The rootfs stage under the guard, with the policy the boot decides from /sysroot's configs. */
async function guardedStage(ctx: StepContext, runner: CloudConfigStages): Promise<void> {
  const {config, state} = ctx.plan;
  const policy = loadMemoryPolicy({sys: ctx.sys, root: '/sysroot', config, state: state.state});
  await runGuarded(
    ctx,
    policy.then((p) => p.policy),
    () => runner.runStage('rootfs', stageContextOf(ctx)),
  );
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setUpRoot(): Promise<void> {
  // The test root plays the initramfs: busybox for the chrooted commands, /proc as plain files.
  await installBusybox(t.root);
  for (const d of ['proc/pressure', 'tmp', 'oem', 'sysroot/oem'])
    await fs.mkdir(t.path(d), {recursive: true});
  await fs.writeFile(t.path('proc/meminfo'), meminfo(400));
  await fs.writeFile(t.path('oem/50_hog.yaml'), HOG_CONFIG);
}

describe('the initramfs memory guard', () => {
  it('kills the running step at the MemAvailable hard threshold, and the stage goes on', async () => {
    await setUpRoot();
    const {ctx, runner} = guardedContext(`${ACTIVE} rd.immucore.memory=recovery`);
    const running = guardedStage(ctx, runner);
    await until('the hog to run', () => runner.runningStep?.processGroup !== undefined);
    const pgid = runner.runningStep?.processGroup as number;
    await until('the guard to sample', () => (ctx.boot.memory.guard?.length ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(ctx.boot.failures).toEqual([]);

    // Memory runs out: MemAvailable 20 MiB, the recovery hard threshold is 5 % of 512 MiB.
    const crossed = Date.now();
    await fs.writeFile(t.path('proc/meminfo'), meminfo(20));
    await until('the hog to be killed', () => ctx.boot.failures.length > 0);
    const reaction = Date.now() - crossed;
    // Killing the hog gives the memory back.
    await fs.writeFile(t.path('proc/meminfo'), meminfo(400));
    await running;

    expect(reaction).toBeLessThan(1000);
    expect(membersOf(pgid)).toEqual([]);
    expect(ctx.boot.failures).toEqual([
      expect.objectContaining({
        step: 'rootfs-stage',
        item: expect.stringMatching(/^rootfs "hog"/),
        message: expect.stringMatching(
          /^rootfs "hog" \(\/oem\/50_hog\.yaml:3 stages\.rootfs\[0\]\) failed \(stopped: memory guard: MemAvailable 20 MiB is at or below the hard threshold 25\.6 MiB \(hard_threshold_min_mem = 5 % of 512 MiB\)\)/,
        ),
      }),
    ]);
    expect(await fs.readFile(t.path('tmp/after'), 'utf8')).toBe('went on\n');
    expect(ctx.boot.memory.guard).toEqual([
      expect.objectContaining({
        step: 'rootfs-stage',
        hardThresholdMiB: 25.6,
        periodMs: 200,
        samples: expect.any(Number),
        kills: [
          {
            item: expect.stringMatching(/"hog"/),
            processGroup: pgid,
            reason: expect.stringMatching(/^MemAvailable 20 MiB/),
          },
        ],
      }),
    ]);
  });

  it('kills on memory pressure held above the PSI hard threshold for the policy duration', async () => {
    await setUpRoot();
    await fs.writeFile(
      t.path('proc/pressure/memory'),
      'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
    );
    await fs.writeFile(
      t.path('sysroot/oem/90_memory.yaml'),
      'memory_policy: {psi: {duration: 0, hard: 80}}\n',
    );
    const {ctx, runner} = guardedContext(ACTIVE);
    const running = guardedStage(ctx, runner);
    await until('the hog to run', () => runner.runningStep?.processGroup !== undefined);
    await fs.writeFile(
      t.path('proc/pressure/memory'),
      'some avg10=97.00 avg60=50.00 avg300=10.00 total=9\nfull avg10=95.50 avg60=40.00 avg300=9.00 total=9\n',
    );
    await until('the hog to be killed', () => ctx.boot.failures.length > 0);
    await fs.writeFile(
      t.path('proc/pressure/memory'),
      'some avg10=0.00 avg60=0.00 avg300=0.00 total=9\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=9\n',
    );
    await running;
    expect(ctx.boot.failures[0]?.message).toMatch(
      /failed \(stopped: memory guard: memory pressure full_avg10 95\.5 has been above the hard threshold 80 \(hard_threshold_max_psi\) for 0 s\)/,
    );
    expect(await fs.readFile(t.path('tmp/after'), 'utf8')).toBe('went on\n');
  });

  it('stays off, and says so, when the root has no /proc/meminfo', async () => {
    await installBusybox(t.root);
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.writeFile(
      t.path('oem/50_quick.yaml'),
      'stages: {rootfs: [{name: quick, commands: ["true"]}]}\n',
    );
    const {ctx, runner} = guardedContext(ACTIVE);
    await guardedStage(ctx, runner);
    expect(ctx.boot.failures).toEqual([]);
    expect(ctx.boot.memory.guard).toEqual([
      {step: 'rootfs-stage', off: 'no MemTotal and MemAvailable in /proc/meminfo', kills: []},
    ]);
  });
});
