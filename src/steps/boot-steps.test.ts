// The graph's steps given their implementations: every graph step has one, and bootSteps hands the
// runner the plan's steps with their needs, policies and skip conditions.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext} from '../../test/fakes/step-context.ts';
import {parseCmdline} from '../boot/cmdline.ts';
import {DISK_GRAPH, LIVE_GRAPH, type StepName} from '../boot/graph.ts';
import {planBoot} from '../boot/plan.ts';
import {bootSteps, STEP_IMPLS} from './boot-steps.ts';

const plan = (cmdline: string) => planBoot(parseCmdline(cmdline));

describe('STEP_IMPLS', () => {
  it('implements every step of every plan, and nothing else', () => {
    const cmdlines = [
      ACTIVE_CMDLINE,
      'root=live:LABEL=COS_RECOVERY',
      'root=live:CDLABEL=X',
      `${ACTIVE_CMDLINE} rd.immucore.disable`,
    ];
    const planned = new Set(cmdlines.flatMap((c) => plan(c).steps.map((s) => s.name)));
    expect([...planned].sort()).toEqual(Object.keys(STEP_IMPLS).sort());
  });

  it('implements every step of both graphs and the report', () => {
    const declared = new Set([...DISK_GRAPH, ...LIVE_GRAPH].map((s) => s.name));
    expect([...declared, 'report'].sort()).toEqual(Object.keys(STEP_IMPLS).sort());
  });
});

describe('bootSteps', () => {
  const plans = [
    {name: 'a disk boot runs the disk graph, then the report', cmdline: ACTIVE_CMDLINE},
    {name: 'live media run the live graph, then the report', cmdline: 'root=live:CDLABEL=COS_LIVE'},
    {
      name: 'a disabled boot runs the sentinel and the report',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.disable`,
    },
  ];
  it.each(plans)('$name', ({cmdline}) => {
    const p = plan(cmdline);
    const steps = bootSteps(p);
    expect(steps.map((s) => [s.name, s.needs, s.policy])).toEqual(
      p.steps.map((s) => [s.name, s.needs, s.policy]),
    );
    expect(steps.filter((s) => s.always).map((s) => s.name)).toEqual(['report']);
    for (const s of steps) expect(s.run).toBe(STEP_IMPLS[s.name as StepName].run);
  });

  const skips = [
    {
      name: 'activate-devices is skipped with rd.lvm=0 and rd.md=0',
      step: 'activate-devices',
      cmdline: `${ACTIVE_CMDLINE} rd.lvm=0 rd.md=0`,
      layout: '',
      want: 'rd.lvm=0 and rd.md=0 on the command line',
    },
    {
      name: 'activate-devices runs with either one on',
      step: 'activate-devices',
      cmdline: `${ACTIVE_CMDLINE} rd.lvm=0`,
      layout: '',
      want: true,
    },
    {
      name: 'mount-volumes is skipped when the layout has no volumes',
      step: 'mount-volumes',
      layout: 'RW_PATHS="/var"\n',
      want: 'no volumes in the layout',
    },
    {
      name: 'mount-volumes runs when the layout has one',
      step: 'mount-volumes',
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n',
      want: true,
    },
    {
      name: 'mount-persistent is skipped when the layout has no persistent paths',
      step: 'mount-persistent',
      layout: '',
      want: 'no persistent paths in the layout',
    },
    {
      name: 'mount-persistent runs when the layout has one',
      step: 'mount-persistent',
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"\nPERSISTENT_STATE_PATHS="/home"\n',
      want: true,
    },
  ];
  it.each(skips)('$name', ({step, layout, want, cmdline = ACTIVE_CMDLINE}) => {
    const def = bootSteps(plan(cmdline)).find((s) => s.name === step);
    expect(def?.when?.(stepContext(new FakeSys(), {layout, cmdline}))).toBe(want);
  });

  it('runs every other step unconditionally', () => {
    const conditional = bootSteps(plan(ACTIVE_CMDLINE))
      .filter((s) => s.when)
      .map((s) => s.name);
    expect(conditional).toEqual(['activate-devices', 'unlock-volumes', 'mount-volumes', 'mount-persistent']);
  });
});
