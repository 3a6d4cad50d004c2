// What `immucore retry` tells the person in the emergency shell: whether the boot is complete now,
// and what `exit` will do; or what still fails and what to do next. Pure.
import type {BootReport, RetryRecord} from './boot-report.ts';

export type RetryResult =
  | {kind: 'not-needed'; previous: BootReport}
  | {kind: 'ran'; record: RetryRecord; report: BootReport};

/** The exit code: 0 when the boot is complete (now or before), 1 when it still fails. */
export function retryExitCode(r: RetryResult): number {
  return r.kind === 'ran' && (r.report.status === 'failed' || r.report.status === 'cancelled') ? 1 : 0;
}

const EXIT_GOES_ON =
  'Type `exit`: the emergency shell ends, dracut starts the initrd target again (immucore.service finds this report and runs nothing twice) and the initrd switches root into the system.';

export function renderRetry(r: RetryResult): string {
  if (r.kind === 'not-needed') {
    return lines([
      `immucore retry: nothing to retry, this boot's run was ${r.previous.status} (\`immucore status\` shows it).`,
      EXIT_GOES_ON,
    ]);
  }
  const {record, report} = r;
  const skipped = record.skipped?.length
    ? [`Not run again: ${record.skipped.join(', ')} (completed before; a stage runs once per boot).`]
    : [];
  if (retryExitCode(r) === 0) {
    const made = report.mounts.filter((m) => m.result === 'mounted').length;
    const kept = report.mounts.length - made;
    return lines([
      `immucore retry: the boot is complete (${report.status}, attempt ${record.attempt}, ${Math.round(report.durationMs)} ms; ${made} mounts made, ${kept} kept from before).`,
      ...skipped,
      ...(report.status === 'degraded' ? ['Degraded: `immucore status` names what failed.'] : []),
      EXIT_GOES_ON,
    ]);
  }
  const failed = report.steps.find((s) => s.outcome === 'failed');
  return lines([
    `immucore retry: the boot still cannot go on (attempt ${record.attempt}): ${failed ? (failed.error?.message ?? `step ${failed.name} failed`) : 'stopped before it was complete'}.`,
    ...skipped,
    'Fix the cause and run `immucore retry` again; `immucore status` shows every step, `immucore timeline` when each ran. `exit` now would run immucore again and, failing, come back to this shell.',
  ]);
}

/** `immucore retry --json`: the result for scripts. */
export function retryToJson(r: RetryResult): Record<string, unknown> {
  if (r.kind === 'not-needed') return {outcome: 'not-needed', status: r.previous.status, exitCode: 0};
  return {
    outcome: retryExitCode(r) === 0 ? 'complete' : 'failed',
    status: r.report.status,
    retry: r.record,
    exitCode: retryExitCode(r),
    failed: r.report.steps.filter((s) => s.outcome === 'failed').map((s) => s.name),
  };
}

function lines(ls: string[]): string {
  return `${ls.join('\n')}\n`;
}
