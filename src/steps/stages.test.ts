// The cloud-config stage steps and load-layout, on the fake: the links the rootfs stage needs, the
// stage each step runs (with the memory guard around it), and the mount plan made once from the
// layout files.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import {parseCmdline} from '../boot/cmdline.ts';
import type {ConfigSources} from '../inputs/read-inputs.ts';
import {loadMemoryPolicy} from '../memory/load.ts';
import type {StageContext, StageSummary} from '../stages/runner.ts';
import type {StageName} from '../stages/types.ts';
import type {StageRunner} from './context.ts';
import {loadLayout, runInitramfsStage, runRootfsStage} from './stages.ts';

const MEMINFO = 'MemTotal: 524288 kB\nMemAvailable: 400000 kB\n';

/** A stage runner that records what it was asked to run, and reports one failure per stage. */
class RecordingStages implements StageRunner {
  readonly ran: Array<{stage: StageName; files?: string[]; calls: number}> = [];
  constructor(private readonly sys: FakeSys) {}
  readonly runningStep = undefined;
  killRunningStep(): boolean {
    return false;
  }
  async runStage(stage: StageName, ctx: StageContext, sources?: ConfigSources): Promise<StageSummary> {
    this.ran.push({
      stage,
      ...(sources
        ? {files: sources.sources.map((s) => ('text' in s ? `${s.file}: ${s.text}` : s.file))}
        : {}),
      calls: this.sys.calls.length,
    });
    ctx.failure({item: `${stage} "x"`, message: 'exited 1'});
    return {ran: 1, skipped: 0, failed: 1};
  }
}

describe('runRootfsStage', () => {
  it('links /system and /oem to the new root first, then runs the rootfs stage on what they hold', async () => {
    const sys = new FakeSys({
      files: {'/sysroot/oem/90_custom.yaml': 'stages: {}\n', '/sysroot/system/.keep': ''},
    });
    const stages = new RecordingStages(sys);
    const ctx = stepContext(sys, {stages, step: 'rootfs-stage'});
    await runRootfsStage(ctx);
    expect(sys.calls).toEqual(['symlink /system -> /sysroot/system', 'symlink /oem -> /sysroot/oem']);
    expect(stages.ran).toEqual([{stage: 'rootfs', files: ['/oem/90_custom.yaml: stages: {}\n'], calls: 2}]);
  });

  it('files what the stage reports under rootfs-stage, and guards it', async () => {
    const sys = new FakeSys({files: {'/proc/meminfo': MEMINFO}});
    const ctx = stepContext(sys, {stages: new RecordingStages(sys), step: 'rootfs-stage'});
    await runRootfsStage(ctx);
    expect(ctx.boot.failures).toEqual([{step: 'rootfs-stage', item: 'rootfs "x"', message: 'exited 1'}]);
    expect(ctx.boot.memory.guard).toEqual([expect.objectContaining({step: 'rootfs-stage', kills: []})]);
  });

  it('leaves links that are already there, as a second run finds them', async () => {
    const sys = new FakeSys();
    await runRootfsStage(stepContext(sys, {stages: new RecordingStages(sys)}));
    const ctx = stepContext(sys, {stages: new RecordingStages(sys)});
    await runRootfsStage(ctx);
    expect(ctx.log.lines.filter((l) => l.level === 'debug').map((l) => l.msg)).toEqual([
      '/system → /sysroot/system: already',
      '/oem → /sysroot/oem: already',
    ]);
  });

  it('runs the real stage runner on a command from the OEM partition', async () => {
    const sys = new FakeSys({
      files: {'/sysroot/oem/10.yaml': 'stages:\n  rootfs: [{name: hello, commands: ["echo hi"]}]\n'},
    });
    const ctx = stepContext(sys, {step: 'rootfs-stage'});
    await runRootfsStage(ctx);
    expect(sys.runs).toEqual([['/bin/sh', '-c', 'echo hi']]);
    expect(ctx.boot.failures).toEqual([]);
  });
});

describe('runInitramfsStage', () => {
  it('runs the initramfs stage and files what it reports under initramfs-stage', async () => {
    const sys = new FakeSys();
    const stages = new RecordingStages(sys);
    const ctx = stepContext(sys, {stages, step: 'initramfs-stage'});
    await runInitramfsStage(ctx);
    expect(stages.ran).toEqual([{stage: 'initramfs', calls: 0}]);
    expect(ctx.boot.failures).toEqual([
      {step: 'initramfs-stage', item: 'initramfs "x"', message: 'exited 1'},
    ]);
  });

  it('guards with the policy memory-policy decided, not one of its own', async () => {
    const sys = new FakeSys({files: {'/proc/meminfo': MEMINFO}});
    const ctx = stepContext(sys, {stages: new RecordingStages(sys), step: 'initramfs-stage'});
    const off = parseCmdline(`${ACTIVE_CMDLINE} rd.immucore.memory=off`);
    ctx.boot.memoryPolicy = (
      await loadMemoryPolicy({sys, root: '/sysroot', config: off, state: 'active'})
    ).policy;
    await runInitramfsStage(ctx);
    expect(ctx.boot.memory.guard).toEqual([
      {step: 'initramfs-stage', off: 'the memory policy is off (rd.immucore.memory=off)', kills: []},
    ]);
  });

  it('decides the policy itself when memory-policy has not', async () => {
    const sys = new FakeSys({files: {'/proc/meminfo': MEMINFO}});
    const ctx = stepContext(sys, {stages: new RecordingStages(sys), step: 'initramfs-stage'});
    await runInitramfsStage(ctx);
    expect(ctx.boot.memory.guard).toEqual([
      expect.objectContaining({step: 'initramfs-stage', periodMs: expect.any(Number)}),
    ]);
    expect(ctx.boot.memory.guard?.[0]?.off).toBeUndefined();
  });
});

describe('loadLayout', () => {
  it('reads both layout files and makes the mount plan from them', async () => {
    const sys = new FakeSys({
      files: {
        '/run/cos/cos-layout.env': 'RW_PATHS="/var /etc"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n',
        '/run/cos/extra-layout.env': 'CUSTOM_BIND_MOUNTS="/etc/ssh"\n',
      },
    });
    const ctx = stepContext(sys, {step: 'load-layout'});
    await loadLayout(ctx);
    const plan = ctx.boot.mountPlan;
    expect(plan.files).toEqual({layout: true, extra: true});
    expect(plan.rwOverlays.map((o) => o.path)).toEqual(['/etc', '/var']);
    expect(plan.persistent.map((p) => p.target)).toEqual(['/sysroot/etc/ssh']);
    expect(plan.volumes.map((v) => v.target)).toEqual(['/sysroot/usr/local']);
    expect(ctx.log.lines.map((l) => l.msg)).toEqual([
      'layout from /run/cos/cos-layout.env and /run/cos/extra-layout.env: 2 RW paths, 1 persistent paths (bind), 1 volumes, overlay tmpfs:20%',
    ]);
  });

  it('plans the default layout when the rootfs stage wrote no layout file', async () => {
    const ctx = stepContext(new FakeSys(), {step: 'load-layout'});
    await loadLayout(ctx);
    expect(ctx.boot.mountPlan.files).toEqual({layout: false, extra: false});
    expect(ctx.boot.mountPlan.rwOverlays.map((o) => o.path)).toEqual([
      '/etc',
      '/home',
      '/opt',
      '/root',
      '/srv',
      '/var',
      '/usr/local',
    ]);
    expect(ctx.log.lines.at(-1)?.msg).toMatch(/^no \/run\/cos\/cos-layout\.env, default layout: 7 RW paths/);
  });

  it('makes the mount plan once: a second run throws', async () => {
    const ctx = stepContext(new FakeSys(), {step: 'load-layout'});
    await loadLayout(ctx);
    const err = await stepError(loadLayout(ctx));
    expect(err.message).toBe('the mount plan is made once, by load-layout');
  });

  it("warns of the layout's problems, naming the input and the default used", async () => {
    const sys = new FakeSys({files: {'/run/cos/cos-layout.env': 'RW_PATHS="var"\n'}});
    const ctx = stepContext(sys, {step: 'load-layout'});
    await loadLayout(ctx);
    expect(ctx.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /path "var" .*\("var"\); using the default\. Try: Write absolute ephemeral paths/,
      ),
    ]);
    expect(ctx.boot.problems.map((p) => p.input)).toEqual(['var']);
  });

  it('plans the defaults and fails when a layout file cannot be read', async () => {
    const sys = new FakeSys({files: {'/run/cos/cos-layout.env/oops': ''}});
    const ctx = stepContext(sys, {step: 'load-layout'});
    const err = await stepError(loadLayout(ctx));
    expect(err.message).toBe('Cannot read the layout files; the default layout applies');
    expect(err.hint).toMatch(
      /^Make \/run\/cos\/cos-layout\.env and \/run\/cos\/extra-layout\.env readable files/,
    );
    expect((err.cause as Error).message).toMatch(/EISDIR/);
    expect(ctx.boot.mountPlan.files).toEqual({layout: false, extra: false});
  });
});
