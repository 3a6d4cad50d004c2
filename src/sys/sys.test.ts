import {describe, expect, it} from 'vitest';
import {runTool} from './exec.ts';
import {formatArgv, SysError, tailOf} from './sys.ts';

describe('formatArgv', () => {
  const cases = [
    {
      argv: ['mount', '-t', 'overlay', 'overlay', '/sysroot/etc'],
      want: 'mount -t overlay overlay /sysroot/etc',
    },
    {argv: ['mount', '-o', 'size=20%', 'tmpfs', '/a b'], want: "mount -o size=20% tmpfs '/a b'"},
    {argv: ['echo', "it's"], want: `echo 'it'\\''s'`},
  ];
  it.each(cases)('$want', ({argv, want}) => expect(formatArgv(argv)).toBe(want));
});

describe('tailOf', () => {
  it('keeps short text, trimmed', () => expect(tailOf('  oops\n')).toBe('oops'));
  it('keeps the end of long text', () => expect(tailOf(`${'x'.repeat(100)}END`, 10)).toBe('…xxxxxxxEND'));
});

describe('runTool', () => {
  it('returns stdout of a tool that succeeds', async () => {
    expect(await runTool(['sh', '-c', 'echo hi'])).toEqual({exitCode: 0, stdout: 'hi', stderr: ''});
  });
  it('accepts an exit code it is told is fine', async () => {
    expect((await runTool(['sh', '-c', 'exit 2'], {okExitCodes: [2]})).exitCode).toBe(2);
  });
  it('a failure carries argv, exit code and the end of stderr', async () => {
    const err = (await runTool(['sh', '-c', 'echo bad thing >&2; exit 32']).catch(
      (e: unknown) => e,
    )) as SysError;
    expect(err).toBeInstanceOf(SysError);
    expect(err.message).toBe("sh -c 'echo bad thing >&2; exit 32' exited 32: bad thing");
    expect(err).toMatchObject({
      code: 'EEXIT',
      exitCode: 32,
      stderr: 'bad thing',
      argv: ['sh', '-c', 'echo bad thing >&2; exit 32'],
    });
  });
  it('a missing tool says what to install', async () => {
    const err = (await runTool(['no-such-tool-immucore', 'x']).catch((e: unknown) => e)) as SysError;
    expect(err.code).toBe('ENOENT');
    expect(err.message).toMatch(/^no-such-tool-immucore x could not start/);
    expect(err.hint).toMatch(/Install no-such-tool-immucore/);
  });
  it('a timeout is ETIMEDOUT', async () => {
    const err = (await runTool(['tail', '-f', '/dev/null'], {timeoutMs: 50}).catch(
      (e: unknown) => e,
    )) as SysError;
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toMatch(/timed out after 50 ms/);
  });
  it('a cancelled run is ABORT_ERR', async () => {
    const ac = new AbortController();
    const running = runTool(['tail', '-f', '/dev/null'], {signal: ac.signal});
    ac.abort();
    await expect(running).rejects.toMatchObject({
      code: 'ABORT_ERR',
      message: 'tail -f /dev/null was cancelled',
    });
  });
  it('adds to the environment and runs in the directory it is given', async () => {
    const r = await runTool(['sh', '-c', 'echo "$IMMUCORE_X $(pwd)"'], {
      env: {IMMUCORE_X: 'set'},
      cwd: '/proc',
    });
    expect(r.stdout).toBe('set /proc');
  });
  it('passes input on stdin', async () => {
    expect((await runTool(['cat'], {input: 'piped'})).stdout).toBe('piped');
  });
});
