import {readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {runInGroup} from './exec-group.ts';

/** Live processes whose process group is `pgid`. */
function membersOf(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('runInGroup', () => {
  it('returns the output of a tool that exits 0', async () => {
    const r = await runInGroup(['/bin/sh', '-c', 'echo out; echo err >&2'], {});
    expect(r).toEqual({exitCode: 0, stdout: 'out', stderr: 'err'});
  });

  it('a non-zero exit throws with the code and the end of stderr', async () => {
    await expect(runInGroup(['/bin/sh', '-c', 'echo bad >&2; exit 3'], {})).rejects.toMatchObject({
      code: 'EEXIT',
      exitCode: 3,
      message: expect.stringMatching(/exited 3: bad$/),
    });
  });

  it('on timeout kills the whole group, background children too', async () => {
    let pgid = 0;
    const started = Date.now();
    await expect(
      runInGroup(['/bin/sh', '-c', 'sleep 30 & sleep 30'], {timeoutMs: 300, onSpawn: (p) => (pgid = p)}),
    ).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringMatching(/timed out after 300 ms; its process group was killed/),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(pgid).toBeGreaterThan(0);
    expect(membersOf(pgid)).toEqual([]);
  });

  it('an abort kills the group', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(
      runInGroup(['/bin/sh', '-c', 'sleep 30'], {signal: controller.signal}),
    ).rejects.toMatchObject({code: 'ABORT_ERR'});
  });

  it('does not wait for a background child that keeps the output open', async () => {
    const started = Date.now();
    const r = await runInGroup(['/bin/sh', '-c', 'setsid sleep 5 & echo started'], {});
    expect(r.stdout).toBe('started');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a missing tool cannot start', async () => {
    await expect(runInGroup(['/no/such/tool'], {})).rejects.toMatchObject({code: 'ENOENT'});
  });
});
