// The boot session the steps share, and the stage runner's view of a step.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext} from '../../test/fakes/step-context.ts';
import {parseCmdline} from '../boot/cmdline.ts';
import {planMounts} from '../boot/mount-plan.ts';
import {stageContextOf} from './context.ts';

const layoutPlan = (cmdline: string, layout: string) => planMounts(parseCmdline(cmdline), {layout});

describe('BootSession', () => {
  it('refuses the mount plan to a step that runs before load-layout', () => {
    const {boot} = stepContext(new FakeSys());
    expect(boot.hasMountPlan).toBe(false);
    expect(() => boot.mountPlan).toThrow(/the layout is not loaded yet: this step must need load-layout/);
  });

  it('hands out the mount plan load-layout set', () => {
    const {boot, plan} = stepContext(new FakeSys());
    boot.setMountPlan(planMounts(plan.config, {layout: 'RW_PATHS="/var"\n'}));
    expect(boot.hasMountPlan).toBe(true);
    expect(boot.mountPlan.rwOverlays.map((o) => o.path)).toEqual(['/var']);
  });

  it('takes the mount plan once: a second one throws', () => {
    const {boot, plan} = stepContext(new FakeSys(), {layout: ''});
    expect(() => boot.setMountPlan(planMounts(plan.config, {}))).toThrow(
      /the mount plan is made once, by load-layout/,
    );
    expect(boot.mountPlan.files).toEqual({layout: true, extra: false});
  });

  const problems = [
    {
      name: 'lists the cmdline problems, then the layout ones',
      cmdline: 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img rd.immucore.devtimeout=soon',
      layout: 'RW_PATHS="var"\n',
      want: [/rd\.immucore\.devtimeout=soon/, /path "var"/],
    },
    {
      name: 'has only the plan problems before the layout is loaded',
      cmdline: 'root=LABEL=COS_ACTIVE',
      layout: undefined,
      want: [/no cos-img\/filename=/],
    },
  ];
  it.each(problems)('$name', ({cmdline, layout, want}) => {
    const {boot} = stepContext(new FakeSys(), {cmdline});
    if (layout !== undefined) boot.setMountPlan(layoutPlan(cmdline, layout));
    expect(boot.problems.map((p) => p.message)).toEqual(want.map((w) => expect.stringMatching(w)));
  });
});

describe('stageContextOf', () => {
  it("files the stage's failures and warnings under the step that ran it", () => {
    const ctx = stepContext(new FakeSys(), {step: 'initramfs-stage'});
    const stage = stageContextOf(ctx);
    stage.failure({item: 'a.yaml', message: 'broken', hint: 'fix it'});
    stage.warning({item: 'dns', message: 'unsupported'});
    expect(ctx.boot.failures).toEqual([
      {step: 'initramfs-stage', item: 'a.yaml', message: 'broken', hint: 'fix it'},
    ]);
    expect(ctx.boot.warnings).toEqual([{step: 'initramfs-stage', item: 'dns', message: 'unsupported'}]);
  });

  it("passes the step's sys, signal and cmdline on", () => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {cmdline: `${ACTIVE_CMDLINE} kairos.config_url=/oem/extra.yaml`});
    const stage = stageContextOf(ctx);
    expect(stage.sys).toBe(sys);
    expect(stage.signal).toBe(ctx.signal);
    expect(stage.config.configUrl).toBe('/oem/extra.yaml');
  });
});
