// waitForEvent with stand-in event sources (no root needed): kept out of src/ so that
// `grep -rn "setTimeout\|sleep" src/` shows only the bounded waits of the code itself.
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {LinuxSys} from '../../src/sys/linux.ts';
import {SysError} from '../../src/sys/sys.ts';
import {waitForEvent} from '../../src/sys/wait-device.ts';
import {alive} from '../helpers/processes.ts';

// A stand-in for `udevadm monitor`: writes its pid, prints a header at once, then creates the
// device flag and prints one event line after `delayMs`.
function monitor(dir: string, delayMs: number): string[] {
  const flag = path.join(dir, 'device');
  const pid = path.join(dir, 'pid');
  const js = `const fs=require('fs');fs.writeFileSync(${JSON.stringify(pid)},String(process.pid));console.log('monitor will print');setTimeout(()=>{fs.writeFileSync(${JSON.stringify(flag)},'x');console.log('KERNEL[1] change /devices/virtual/block/loop0 (block)')},${delayMs});setInterval(()=>{},1000)`;
  return [process.execPath, '-e', js];
}

describe('waitForEvent', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'immucore-wait-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));
  const find = async () => (existsSync(path.join(dir, 'device')) ? '/dev/found' : undefined);

  it('answers at once when the device is there', async () => {
    writeFileSync(path.join(dir, 'device'), 'x');
    await expect(waitForEvent('LABEL=X', find, {watchDirs: []}, {timeoutMs: 1000})).resolves.toBe(
      '/dev/found',
    );
  });

  it('looks again when the monitor reports an event, then stops the monitor', async () => {
    const started = Date.now();
    const device = await waitForEvent(
      'LABEL=X',
      find,
      {watchDirs: [], monitorArgv: monitor(dir, 200)},
      {timeoutMs: 10_000},
    );
    expect(device).toBe('/dev/found');
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    await vi.waitFor(() => expect(alive(pid)).toBe(false));
  });

  it('looks again when a watched directory changes', async () => {
    const watched = path.join(dir, 'by-label');
    mkdirSync(watched);
    const wait = waitForEvent('LABEL=X', find, {watchDirs: [watched]}, {timeoutMs: 10_000});
    setTimeout(() => {
      writeFileSync(path.join(dir, 'device'), 'x');
      writeFileSync(path.join(watched, 'X'), '');
    }, 100);
    await expect(wait).resolves.toBe('/dev/found');
  });

  it('times out naming the device and the time, with a hint', async () => {
    const err = (await waitForEvent('LABEL=NOPE', find, {watchDirs: [dir]}, {timeoutMs: 150}).catch(
      (e) => e,
    )) as SysError;
    expect(err).toBeInstanceOf(SysError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe('Device LABEL=NOPE did not appear within 150 ms');
    expect(err.hint).toMatch(/blkid -p/);
  });

  it('says when the monitor could not run', async () => {
    const events = {watchDirs: [dir], monitorArgv: ['no-such-udevadm-immucore']};
    const err = (await waitForEvent('LABEL=NOPE', find, events, {timeoutMs: 150}).catch(
      (e) => e,
    )) as SysError;
    expect(err.message).toMatch(/no-such-udevadm-immucore could not start/);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('SIGTERM')), 50);
    const err = (await waitForEvent(
      'LABEL=X',
      find,
      {watchDirs: []},
      {timeoutMs: 10_000, signal: ac.signal},
    ).catch((e) => e)) as SysError;
    expect(err.code).toBe('ABORT_ERR');
  });

  it('passes on what the lookup throws (two devices, one label)', async () => {
    let calls = 0;
    const failing = async () => {
      calls++;
      if (calls > 1) throw new SysError('2 devices carry LABEL=X', {code: 'EDUPLICATE'});
      return undefined;
    };
    const err = (await waitForEvent('LABEL=X', failing, {watchDirs: []}, {timeoutMs: 10_000}).catch(
      (e) => e,
    )) as SysError;
    expect(err.code).toBe('EDUPLICATE');
  });
});

describe('LinuxSys.waitForPath (the TPM device, which no block event announces)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'immucore-wait-'));
    mkdirSync(path.join(dir, 'dev'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));
  const TPM = ['/dev/tpmrm0', '/dev/tpm0'];

  it('answers at once with the first path that is there', async () => {
    writeFileSync(path.join(dir, 'dev', 'tpm0'), '');
    writeFileSync(path.join(dir, 'dev', 'tpmrm0'), '');
    await expect(new LinuxSys({root: dir}).waitForPath(TPM, {timeoutMs: 1000})).resolves.toBe('/dev/tpmrm0');
  });

  it('looks again when the node appears in its directory (inotify)', async () => {
    const wait = new LinuxSys({root: dir}).waitForPath(TPM, {timeoutMs: 10_000});
    setTimeout(() => writeFileSync(path.join(dir, 'dev', 'tpm0'), ''), 100);
    await expect(wait).resolves.toBe('/dev/tpm0');
  });

  it('times out naming the paths', async () => {
    const err = (await new LinuxSys({root: dir})
      .waitForPath(TPM, {timeoutMs: 150})
      .catch((e) => e)) as SysError;
    expect(err).toBeInstanceOf(SysError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe('Device /dev/tpmrm0 or /dev/tpm0 did not appear within 150 ms');
  });
});
