// Live media: wait for dracut's /sysroot/system, polling as SPEC §4 says, up to rd.immucore.sysrootwait.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext, stepError} from '../../test/fakes/step-context.ts';
import {waitSysroot} from './wait-sysroot.ts';

const live = (wait: number) => `root=live:CDLABEL=COS_LIVE rd.immucore.sysrootwait=${wait}`;

describe('waitSysroot', () => {
  it('goes on at once when /sysroot/system is there', async () => {
    const sys = new FakeSys({files: {'/sysroot/system/.keep': ''}});
    const ctx = stepContext(sys, {cmdline: live(0), step: 'wait-sysroot'});
    await waitSysroot(ctx);
    expect(ctx.log.lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^\/sysroot is ready after \d+ ms$/),
    ]);
  });

  it('waits until dracut has mounted /sysroot', async () => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {cmdline: live(5), step: 'wait-sysroot'});
    setTimeout(() => sys.with({'/sysroot/system/.keep': ''}), 150);
    const started = Date.now();
    await waitSysroot(ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out with a hint to the live stanza and the wait', async () => {
    const ctx = stepContext(new FakeSys(), {cmdline: live(0), step: 'wait-sysroot'});
    const err = await stepError(waitSysroot(ctx));
    expect(err.message).toBe('/sysroot/system did not appear within 0 s');
    expect(err.hint).toMatch(/live:\/root= stanza .* raise rd\.immucore\.sysrootwait=<seconds>/);
  });

  it('stops waiting when the boot is stopped', async () => {
    const controller = new AbortController();
    const ctx = stepContext(new FakeSys(), {cmdline: live(30), signal: controller.signal});
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await stepError(waitSysroot(ctx));
    expect(err.error.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not wait at all when the boot was stopped before', async () => {
    const controller = new AbortController();
    controller.abort();
    const ctx = stepContext(new FakeSys(), {cmdline: live(30), signal: controller.signal});
    const err = await stepError(waitSysroot(ctx));
    expect(err.error.name).toBe('AbortError');
    expect(err.error.cause).toBe(controller.signal.reason);
  });
});
