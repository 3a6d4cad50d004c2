// What the kernel says about memory: /proc/meminfo (MemTotal, MemAvailable, in kB) and
// /proc/pressure/memory (PSI: `some avg10=0.12 avg60=… avg300=… total=…`, then `full …`).

export const MEMINFO = '/proc/meminfo';
export const PSI_MEMORY = '/proc/pressure/memory';

export interface Meminfo {
  memTotalKiB?: number;
  memAvailableKiB?: number;
}

/** The fields the policy and the guard use; a field the kernel does not show stays undefined. */
export function parseMeminfo(text: string): Meminfo {
  const out: Meminfo = {};
  for (const line of text.split('\n')) {
    const m = /^(MemTotal|MemAvailable):\s+(\d+)\s*kB/.exec(line);
    if (!m?.[2]) continue;
    if (m[1] === 'MemTotal') out.memTotalKiB = Number(m[2]);
    else out.memAvailableKiB = Number(m[2]);
  }
  return out;
}

/** One PSI metric (`full_avg10`) from the pressure file's text; undefined if it is not there. */
export function parsePsiMetric(text: string, metric: string): number | undefined {
  const [kind, window] = metric.split('_');
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== kind) continue;
    const field = fields.find((f) => f.startsWith(`${window}=`));
    const value = field === undefined ? Number.NaN : Number(field.slice((window?.length ?? 0) + 1));
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}
