// Running a harness script (test/helpers/*-harness.ts) under bun or node and reading the JSON it
// wrote: how test/sys/bun-spawn.test.ts and bun-group.test.ts compare Bun.spawn with
// node:child_process.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';

export const REPO = path.resolve(import.meta.dirname, '../..');
/** Read by the `inherit` case's `dd bs=1 count=3`: 3 bytes for each implementation, in turn. */
const TERMINAL_IN = 'abcdefghijkl\n';

/** Runs `script` with `cmd args…`, its stdin TERMINAL_IN; returns the JSON it wrote and its output. */
export async function harness<T>(
  cmd: string,
  args: string[],
  script: string,
): Promise<{run: T; stdout: string; stderr: string}> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'immucore-spawn-'));
  try {
    const out = path.join(dir, 'out.json');
    const {stdout, stderr} = await execa(cmd, [...args, script, out], {cwd: REPO, input: TERMINAL_IN});
    return {run: JSON.parse(await fs.readFile(out, 'utf8')) as T, stdout, stderr};
  } finally {
    await fs.rm(dir, {recursive: true, force: true});
  }
}

/** Without the wording of the runtime's own errors: the spawn failure's and the AbortError's. */
export function withoutRuntimeWords(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/could not start: .*/, 'could not start: …');
  if (Array.isArray(v)) return v.map(withoutRuntimeWords);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const runtimeWords = o.name === 'AbortError' || typeof o.syscall === 'string';
  return Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => !(runtimeWords && k === 'message'))
      .map(([k, x]) => [k, withoutRuntimeWords(x)]),
  );
}
