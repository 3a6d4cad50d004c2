// Waiting for a device on kernel events: the loop device is attached after the wait started.
import {readdirSync, readFileSync} from 'node:fs';
import {execa} from 'execa';
import {describe, expect, it, vi} from 'vitest';
import {SysError} from '../../src/sys/sys.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

/** Our children that are still running `udevadm monitor`. */
function monitorChildren(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && stat.includes('(udevadm)');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('waitForDevice', () => {
  const t = withTempRoot();

  it('returns at once a device that is there', async () => {
    const dev = await t.attachLoop(await t.makeExt4Image({label: 'COS_NOW'}));
    expect(await t.sys.waitForDevice('LABEL=COS_NOW', {timeoutMs: 1000})).toBe(dev);
  });

  it('resolves on the uevent when the device is attached after the wait started', async () => {
    const img = await t.makeExt4Image({label: 'COS_LATER'});
    const started = performance.now();
    const wait = t.sys.waitForDevice('LABEL=COS_LATER', {timeoutMs: 20_000});
    let attached = 0;
    let dev = '';
    setTimeout(async () => {
      dev = await t.attachLoop(img);
      attached = performance.now();
    }, 300);
    const found = await wait;
    expect(found).toBe(dev);
    // Found right after the attach, not at some poll period or the timeout.
    expect(performance.now() - attached).toBeLessThan(2000);
    expect(attached - started).toBeGreaterThanOrEqual(250);
    await vi.waitFor(() => expect(monitorChildren()).toEqual([]));
  });

  it('resolves when a waited-for device path gets attached', async () => {
    const img = await t.makeExt4Image({label: 'COS_PATH'});
    // Pick a free loop device and attach to exactly that one; another test may take it first.
    for (let attempt = 0; ; attempt++) {
      const dev = (await execa('losetup', ['--find'])).stdout.trim();
      const ac = new AbortController();
      const wait = t.sys.waitForDevice(dev, {timeoutMs: 20_000, signal: ac.signal});
      const attach = await execa('losetup', ['--read-only', dev, img], {reject: false});
      if (attach.exitCode === 0) {
        expect(await wait).toBe(dev);
        return;
      }
      ac.abort();
      await wait.catch(() => undefined);
      if (attempt === 5) throw new Error(`could not attach ${img}: ${attach.stderr}`);
    }
  });

  it('times out with the device, the time and a hint, and stops listening', async () => {
    const started = performance.now();
    const err = (await t.sys
      .waitForDevice('LABEL=COS_NEVER', {timeoutMs: 300})
      .catch((e: unknown) => e)) as SysError;
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(err).toBeInstanceOf(SysError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe('Device LABEL=COS_NEVER did not appear within 300 ms');
    expect(err.hint).toMatch(/blkid/);
    await vi.waitFor(() => expect(monitorChildren()).toEqual([]));
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    const wait = t.sys.waitForDevice('LABEL=COS_NEVER', {timeoutMs: 20_000, signal: ac.signal});
    setTimeout(() => ac.abort(), 100);
    await expect(wait).rejects.toMatchObject({code: 'ABORT_ERR'});
    await vi.waitFor(() => expect(monitorChildren()).toEqual([]));
  });
});
