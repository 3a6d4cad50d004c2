// The screen painted on every console when the boot cannot go on (SPEC §9): what failed, the
// input, why, the fix, and where the logs are. A person at a remote console has only this.

import {renderError} from '../boot/errors.ts';
import type {BootPlan} from '../boot/plan.ts';

export interface FailureFacts {
  plan: BootPlan;
  step: string;
  error: unknown;
  logFile: string;
  reportFile: string;
  rebootInSec?: number;
  /** Stopped by SIGTERM rather than by a failure. */
  cancelled?: boolean;
}

export function renderFailureScreen(f: FailureFacts): string {
  const bar = '='.repeat(72);
  const lines = [
    '',
    bar,
    f.cancelled
      ? `immucore: stopped by SIGTERM before the ${f.plan.state.state} boot was complete (in step ${f.step})`
      : `immucore: the system cannot boot (${f.plan.state.state} boot, step ${f.step} failed)`,
    bar,
    ...renderError(f.error).map((l) => `  ${l}`),
    '',
    `  kernel command line: ${f.plan.config.raw.trim()}`,
    ...(f.plan.image ? [`  root image:          ${f.plan.image}`] : []),
    `  log:                 ${f.logFile}`,
    `  report:              ${f.reportFile}`,
    '',
    f.rebootInSec === undefined
      ? '  The initrd stops here: you are being dropped to the emergency shell. From there,'
      : `  Rebooting in ${f.rebootInSec} s (rd.immucore.rebootonfailure). To debug instead, drop that stanza;`,
    f.rebootInSec === undefined
      ? '  `immucore status` shows what this boot did and why it stopped.'
      : '  then `immucore status` in the emergency shell shows the report.',
    bar,
    '',
  ];
  return lines.join('\n');
}

/** /run/immucore/boot_failure.log (mode 0600): the reason, the cmdline, where the logs are. */
export function renderFailureLog(f: FailureFacts): string {
  return [
    `step: ${f.step}`,
    ...renderError(f.error),
    `cmdline: ${f.plan.config.raw.trim()}`,
    `state: ${f.plan.state.state}`,
    `log: ${f.logFile}`,
    `report: ${f.reportFile}`,
    '',
  ].join('\n');
}
