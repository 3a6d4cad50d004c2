import {describe, expect, it} from 'vitest';
import {runSteps} from './runner.ts';
import {deferred, flush, makeHarness} from './testing.ts';

describe('runSteps: cancellation', () => {
  it('lets the step in flight finish, skips the rest, and still runs always steps', async () => {
    const controller = new AbortController();
    const h = makeHarness(controller.signal);
    const steps = [
      h.step('mount', [], {manual: true}),
      h.step('bind', ['mount']),
      h.step('fstab', ['bind']),
      h.step('report', ['mount', 'bind', 'fstab'], {always: true}),
    ];
    const run = runSteps(steps, h.options);
    await flush();
    controller.abort();
    await flush();
    expect(h.log).toEqual(['start mount']);
    h.finish('mount');
    const result = await run;
    expect(result.status).toBe('cancelled');
    expect(result.records.map((r) => `${r.name} ${r.outcome} ${r.skipReason ?? ''}`.trim())).toEqual([
      'mount ok',
      'bind skipped cancelled',
      'fstab skipped cancelled',
      'report ok',
    ]);
    expect(h.contexts.find((c) => c.name === 'mount')?.signal?.aborted).toBe(true);
  });

  it('with an already aborted signal runs only the always steps', async () => {
    const controller = new AbortController();
    controller.abort();
    const h = makeHarness(controller.signal);
    const result = await runSteps([h.step('a'), h.step('report', ['a'], {always: true})], h.options);
    expect(h.log).toEqual(['start report', 'end report']);
    expect(result.status).toBe('cancelled');
  });

  it('does not start a step whose beforeStep was still open when the signal aborted', async () => {
    const controller = new AbortController();
    const h = makeHarness(controller.signal);
    const shell = deferred();
    const run = runSteps([h.step('a')], {...h.options, beforeStep: () => shell.promise});
    await flush();
    controller.abort();
    shell.resolve();
    const result = await run;
    expect(h.log).toEqual([]);
    expect(result.records).toEqual([{name: 'a', outcome: 'skipped', skipReason: 'cancelled'}]);
  });

  it('never opens two beforeStep calls at once', async () => {
    const h = makeHarness();
    const shells = {a: deferred(), b: deferred()};
    const beforeStep = async (s: {name: string}) => {
      h.log.push(`open ${s.name}`);
      await shells[s.name as 'a' | 'b'].promise;
      h.log.push(`close ${s.name}`);
    };
    const run = runSteps([h.step('a'), h.step('b')], {...h.options, beforeStep});
    await flush();
    expect(h.log).toEqual(['open a']);
    shells.b.resolve();
    shells.a.resolve();
    await run;
    expect(h.log.indexOf('open b')).toBeGreaterThan(h.log.indexOf('close a'));
  });

  it('fails the step under its policy when beforeStep throws, without running it', async () => {
    const h = makeHarness();
    const beforeStep = () => Promise.reject(new Error('no console'));
    const result = await runSteps([h.step('a', [], {policy: 'fatal'}), h.step('b', ['a'])], {
      ...h.options,
      beforeStep,
    });
    expect(h.log).toEqual([]);
    expect(result.status).toBe('failed');
    expect(result.fatal?.error?.message).toBe('step a (1/2) failed: no console');
  });

  it('reports a fatal failure as failed even when the signal also aborted', async () => {
    const controller = new AbortController();
    const h = makeHarness(controller.signal);
    const run = runSteps([h.step('root', [], {policy: 'fatal', manual: true})], h.options);
    await flush();
    controller.abort();
    h.fail('root', new Error('no image'));
    expect((await run).status).toBe('failed');
  });
});
