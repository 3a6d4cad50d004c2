// A `cp` that fails on a full disk says so only in words: its failure gets the errno's code, so a
// seed names the full volume; any other failure passes through unchanged.
import {describe, expect, it} from 'vitest';
import {rethrowFull} from './copy-up.ts';
import {SysError} from './sys.ts';

const cpFailed = (stderr: string) =>
  new SysError(`cp -a -T -- /a /b exited 1: ${stderr}`, {
    code: 'EEXIT',
    argv: ['cp', '-a', '-T', '--', '/a', '/b'],
    exitCode: 1,
    stderr,
  });

describe('rethrowFull', () => {
  it('gives cp’s "No space left on device" the code ENOSPC, message and stderr kept', () => {
    const err = cpFailed("cp: error writing '/b/x.bin': No space left on device");
    expect(() => rethrowFull(err)).toThrow(
      expect.objectContaining({code: 'ENOSPC', message: err.message, exitCode: 1, stderr: err.stderr}),
    );
  });

  it('gives "Disk quota exceeded" EDQUOT', () => {
    expect(() => rethrowFull(cpFailed("cp: cannot create regular file '/b/x': Disk quota exceeded"))).toThrow(
      expect.objectContaining({code: 'EDQUOT'}),
    );
  });

  it('passes any other failure through as it was', () => {
    const err = cpFailed("cp: cannot stat '/a/x': Input/output error");
    expect(() => rethrowFull(err)).toThrow(err);
    const plain = new Error('boom');
    expect(() => rethrowFull(plain)).toThrow(plain);
  });
});
