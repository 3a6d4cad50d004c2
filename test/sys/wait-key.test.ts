// LinuxSys.waitForKey on a real terminal (the failure screen's hold): `script` gives a helper a
// pty whose input is what this test writes. The reader prints its prompt once it listens; one
// key, without Enter, then ends the wait; without one the wait ends at its bound.
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');

function waitOnPty(timeoutMs: number) {
  const helper = `node --import tsx test/helpers/wait-key-main.ts ${timeoutMs}`;
  const child = execa('script', ['-qfec', helper, '/dev/null'], {cwd: REPO, stdin: 'pipe', reject: false});
  let out = '';
  const waiting = new Promise<void>((resolve) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('waiting on /dev/pts/')) resolve();
    });
  });
  return {child, waiting, output: () => out};
}

describe('LinuxSys.waitForKey', () => {
  it('returns "key" on a single key press, no Enter needed', async () => {
    const {child, waiting, output} = waitOnPty(20_000);
    await waiting;
    const started = performance.now();
    child.stdin?.write('x');
    await child;
    expect(output()).toMatch(/outcome key/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('returns "timeout" when no key comes within the bound', async () => {
    const {child, waiting, output} = waitOnPty(300);
    await waiting;
    const started = performance.now();
    await child;
    expect(output()).toMatch(/outcome timeout/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
