// Whether a test's child process still runs.
import {readFileSync} from 'node:fs';

/** Alive: in /proc and not a zombie (a killed child its parent has not reaped yet is gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
