// `immucore status`: the boot report as a person in the recovery shell wants to read it.
import {renderAssessment} from '../assess/describe.ts';
import {UsageError} from '../boot/errors.ts';
import type {UnlockRecord} from '../boot/luks.ts';
import type {SeedCounts} from '../boot/seed.ts';
import type {BootReport} from './boot-report.ts';
import {renderProblem} from './plan-view.ts';

/** `3 added, 1 updated, …`: what a seed did, for the log and `immucore status`. */
export function describeSeedCounts(c: SeedCounts): string {
  return [
    `${c.added} added`,
    `${c.updated} updated`,
    `${c.keptUserChanged} kept (changed by the user)`,
    `${c.notResurrected} not resurrected (deleted by the user)`,
    `${c.notInImage} left (not in this image)`,
  ].join(', ');
}

/** One encrypted volume for `immucore status`: what opened it and how long it took, or why not. */
export function describeUnlock(e: UnlockRecord): string[] {
  const head = `  ${e.volume}: ${e.container} → ${e.mapper}`;
  const ms = `${Math.round(e.durationMs)} ms`;
  if (e.outcome === 'reused') return [`${head}, already open (reused)`];
  if (e.outcome === 'unlocked')
    return [`${head}, unlocked with the ${e.keySource}${e.plugin ? ` (${e.plugin})` : ''} in ${ms}`];
  return [
    `${head}, LOCKED: ${e.keySource}: ${e.error ?? 'failed'}`,
    ...(e.hint ? [`    try: ${e.hint}`] : []),
  ];
}

export function renderStatus(r: BootReport): string {
  const out = [
    `boot ${r.status}: ${r.state} boot (${r.mode} plan) in ${Math.round(r.durationMs)} ms, started ${r.startedAt}`,
    ...(r.image ? [`root image: ${r.image}`] : []),
    `cmdline: ${r.cmdline}`,
    '',
    'steps:',
  ];
  for (const s of r.steps) {
    const when =
      s.startMs === undefined ? '' : ` at ${Math.round(s.startMs)} ms, ${Math.round(s.durationMs ?? 0)} ms`;
    const why = s.outcome === 'skipped' ? ` (${s.skipReason})` : s.error ? `: ${s.error.message}` : '';
    out.push(`  ${s.outcome.padEnd(7)} ${s.name}${when}${why}`);
  }
  if (r.assessment) out.push('', ...renderAssessment(r.assessment));
  out.push('', `critical path: ${r.criticalPath.join(' → ')}`, `mounts made: ${r.mounts.length}`);
  for (const f of r.failures)
    out.push(`  failed: ${f.step} ${f.item}: ${f.message}${f.hint ? ` (try: ${f.hint})` : ''}`);
  for (const w of r.warnings)
    out.push(`  warning: ${w.step} ${w.item}: ${w.message}${w.hint ? ` (try: ${w.hint})` : ''}`);
  const seeded = (r.seeds ?? []).filter((s) => s.kind !== 'unchanged');
  if (seeded.length) {
    out.push('', 'persistent state seeded from the image:');
    for (const s of seeded) out.push(`  ${s.path} (${s.kind}): ${describeSeedCounts(s)}`);
  }
  if (r.encryption?.length) {
    out.push('', 'encrypted volumes:');
    for (const e of r.encryption) out.push(...describeUnlock(e));
  }
  if (r.problems.length) {
    out.push('', 'problems in the input:');
    for (const p of r.problems) out.push(...renderProblem(p).map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}

/**
 * Why `immucore status` cannot read the report, with the fix. The report is 0600 (SPEC §8: it
 * holds the cmdline), so a user who is not root gets EACCES: say to run it as root.
 */
export function unreadableReportError(file: string, err: unknown): UsageError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  if (code === 'EACCES' || code === 'EPERM') {
    return new UsageError(`Cannot read the boot report ${file}: permission denied`, {
      cause: err,
      input: file,
      hint: `Run it as root, e.g. sudo immucore status: ${file} is readable by root only (mode 0600), since it holds the kernel command line, which may carry tokens.`,
    });
  }
  return new UsageError(`Cannot read the boot report ${file}`, {
    cause: err,
    input: file,
    hint: 'See `journalctl -u immucore` for what this boot did.',
  });
}
