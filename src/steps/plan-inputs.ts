// Gather what a plan is made from (the cmdline and the layout files) and plan the boot.
// Used by `immucore plan`; reads through the sys seam.
import {readFile} from 'node:fs/promises';
import {parseCmdline} from '../boot/cmdline.ts';
import {decideLayout} from '../boot/layout.ts';
import {type BootPlan, planBoot} from '../boot/plan.ts';
import {UsageError} from '../report/errors.ts';

export interface PlanInputs {
  /** The cmdline text; undefined = read `cmdlineFile`. */
  cmdline?: string;
  /** Default /proc/cmdline. */
  cmdlineFile?: string;
  layoutFile?: string;
  extraLayoutFile?: string;
}

export async function planForInputs(inputs: PlanInputs): Promise<BootPlan> {
  const config = parseCmdline(
    inputs.cmdline ?? (await mustRead(inputs.cmdlineFile ?? '/proc/cmdline', 'the kernel command line')),
  );
  const layout =
    inputs.layoutFile === undefined ? undefined : await mustRead(inputs.layoutFile, 'the layout file');
  const extra =
    inputs.extraLayoutFile === undefined
      ? undefined
      : await mustRead(inputs.extraLayoutFile, 'the extra layout file');
  return planBoot(config, decideLayout(config, {layout, extra}));
}

async function mustRead(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`Cannot read ${what} "${path}": ${(cause as Error).message}`, {
      hint: 'Pass an existing file, or leave the flag out to use the defaults.',
      cause,
    });
  }
}
