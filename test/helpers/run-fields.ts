// How the spawn harnesses (test/helpers/spawn-harness.ts, group-harness.ts) write a run's output
// and errors into their JSON: every field a caller may read, long output as a hash.
import {createHash} from 'node:crypto';

/** Long output as its length and hash, so the JSON stays small. */
export const shown = (s: string) =>
  s.length > 200 ? {length: s.length, sha256: createHash('sha256').update(s).digest('hex')} : s;

export function errorFields(e: unknown): Record<string, unknown> | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const x = e as Record<string, unknown> & Error;
  const cause = x.cause as {name?: string} | undefined;
  return {
    name: x.name,
    message: x.message,
    code: x.code,
    errno: x.errno,
    syscall: x.syscall,
    path: x.path,
    spawnargs: x.spawnargs,
    hint: x.hint,
    exitCode: x.exitCode,
    stderr: x.stderr,
    argv: x.argv,
    cause: cause ? (errorFields(cause) ?? String(cause)) : undefined,
  };
}
