// The screen painted on every console when the boot cannot go on (SPEC §9): what failed, the
// input, why, the fix, and where the logs are. A person at a remote console has only this.

import {renderError} from '../boot/errors.ts';
import {type FailureAction, renderFailureAction} from '../boot/failure-action.ts';
import type {BootPlan} from '../boot/plan.ts';

export interface FailureFacts {
  plan: BootPlan;
  step: string;
  error: unknown;
  logFile: string;
  reportFile: string;
  /** What the initrd does next (decideFailureAction). */
  next: FailureAction;
  /** Stopped by SIGTERM rather than by a failure. */
  cancelled?: boolean;
  /** Stopped between steps (no step failed): the first step that did not start. */
  stoppedBefore?: string;
}

const whereStopped = (f: FailureFacts): string =>
  f.stoppedBefore
    ? `before step ${f.stoppedBefore}`
    : f.step === 'none'
      ? 'after its last step'
      : `in step ${f.step}`;

export function renderFailureScreen(f: FailureFacts): string {
  const bar = '='.repeat(72);
  const lines = [
    '',
    bar,
    f.cancelled
      ? `immucore: stopped by SIGTERM before the ${f.plan.state.state} boot was complete (${whereStopped(f)})`
      : `immucore: the system cannot boot (${f.plan.state.state} boot, step ${f.step} failed)`,
    bar,
    ...renderError(f.error).map((l) => `  ${l}`),
    '',
    `  kernel command line: ${f.plan.config.raw.trim()}`,
    ...(f.plan.image ? [`  root image:          ${f.plan.image}`] : []),
    `  log:                 ${f.logFile}`,
    `  report:              ${f.reportFile}`,
    '',
    ...renderFailureAction(f.next),
    bar,
    '',
  ];
  return lines.join('\n');
}

/** /run/immucore/boot_failure.log (mode 0600): the reason, the cmdline, where the logs are. */
export function renderFailureLog(f: FailureFacts): string {
  return [
    `step: ${f.step}${f.stoppedBefore ? ` (stopped before ${f.stoppedBefore})` : ''}`,
    ...renderError(f.error),
    `cmdline: ${f.plan.config.raw.trim()}`,
    `state: ${f.plan.state.state}`,
    `next: ${f.next.kind}${'holdSec' in f.next ? ` (${f.next.ending} after ${f.next.holdSec} s or a key)` : ''}, ${f.next.reason}`,
    `log: ${f.logFile}`,
    `report: ${f.reportFile}`,
    '',
  ].join('\n');
}
