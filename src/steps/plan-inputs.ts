// Gather what a plan is made from (the cmdline and the layout files) and plan the boot.
// Used by `immucore plan` and `immucore run --dry-run`; reads through the sys seam.
import path from 'node:path';
import {parseCmdline} from '../boot/cmdline.ts';
import {decideLayout} from '../boot/layout.ts';
import {type BootPlan, planBoot} from '../boot/plan.ts';
import {UsageError} from '../report/errors.ts';
import {LinuxSys} from '../sys/linux.ts';
import type {Sys} from '../sys/sys.ts';

export interface PlanInputs {
  /** The cmdline text; undefined = read `cmdlineFile`. */
  cmdline?: string;
  /** Default /proc/cmdline. */
  cmdlineFile?: string;
  layoutFile?: string;
  extraLayoutFile?: string;
}

export async function planForInputs(inputs: PlanInputs, sys: Sys = new LinuxSys()): Promise<BootPlan> {
  const read = async (file: string | undefined, what: string) =>
    file === undefined ? undefined : mustRead(sys, file, what);
  const cmdline =
    inputs.cmdline ?? (await mustRead(sys, inputs.cmdlineFile ?? '/proc/cmdline', 'the kernel command line'));
  const config = parseCmdline(cmdline);
  const layout = await read(inputs.layoutFile, 'the layout file');
  const extra = await read(inputs.extraLayoutFile, 'the extra layout file');
  return planBoot(config, decideLayout(config, {layout, extra}));
}

async function mustRead(sys: Sys, file: string, what: string): Promise<string> {
  const text = await sys.readText(path.resolve(file));
  if (text === undefined) {
    throw new UsageError(`Cannot read ${what} "${file}": no such file`, {
      hint: 'Pass an existing file, or leave the flag out to use the defaults.',
    });
  }
  return text;
}
