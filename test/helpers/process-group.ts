// Which processes are still alive in a process group: how tests check that a killed stage step
// took its whole group (children included) with it.
import {readdirSync, readFileSync} from 'node:fs';

/** Live (not zombie) processes in process group `pgid`. */
export function membersOf(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(f[2]) === pgid && f[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}
