// The plan `immucore plan` and `immucore run --dry-run` print: both phases, decided from the
// cmdline (given, or the machine's) and the layout files given on the command line (else the
// defaults: the layout the rootfs stage would write is not known before the boot).
import {planMounts} from '../boot/mount-plan.ts';
import {planBoot} from '../boot/plan.ts';
import {readInputs} from '../inputs/read-inputs.ts';
import type {PlanView} from '../report/plan-view.ts';
import type {Sys} from '../sys/sys.ts';

export interface PlanInputFlags {
  cmdline?: string | undefined;
  layoutFile?: string | undefined;
  extraFile?: string | undefined;
}

export async function planFromInputs(sys: Sys, flags: PlanInputFlags): Promise<PlanView> {
  const {config, layout} = await readInputs(sys, {
    ...(flags.cmdline === undefined ? {} : {cmdline: flags.cmdline}),
    layout: {
      ...(flags.layoutFile === undefined ? {} : {layoutFile: flags.layoutFile}),
      ...(flags.extraFile === undefined ? {} : {extraFile: flags.extraFile}),
    },
  });
  const plan = planBoot(config);
  return plan.state.mode === 'disk' ? {plan, mounts: planMounts(config, layout ?? {})} : {plan};
}
