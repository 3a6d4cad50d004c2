// Debian's nohang on this machine, for tests that let nohang itself judge a rendered config.
import {execFileSync} from 'node:child_process';
import {execa} from 'execa';

/** nohang's path; throws with the fix when it is not installed. */
export function nohangPath(): string {
  for (const p of ['/usr/sbin/nohang', '/usr/bin/nohang']) {
    try {
      execFileSync('test', ['-x', p]);
      return p;
    } catch {
      // not there
    }
  }
  throw new Error("memory tests need Debian's nohang 0.2.0: apt-get install -y nohang");
}

/** `nohang --check -c <file>`: its exit code and what it printed. */
export async function nohangCheck(file: string): Promise<{exitCode: number; output: string}> {
  const r = await execa(nohangPath(), ['--check', '-c', file], {reject: false, all: true});
  return {exitCode: r.exitCode ?? -1, output: String(r.all)};
}
