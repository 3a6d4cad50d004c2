import {describe, expect, it} from 'vitest';
import {StepError} from './errors.ts';
import {runSteps} from './runner.ts';
import {makeHarness} from './testing.ts';

describe('StepError', () => {
  const hinted = Object.assign(new Error('mount exited 32'), {info: {hint: 'Check the label.'}});
  const cases: Array<{name: string; thrown: unknown; message: string; hint?: string}> = [
    {name: 'an Error keeps its message', thrown: new Error('no such device'), message: 'no such device'},
    {name: 'a string is used as is', thrown: 'plain string', message: 'plain string'},
    {name: 'an object is shown as JSON', thrown: {code: 7}, message: '{"code":7}'},
    {name: 'undefined is named', thrown: undefined, message: 'undefined'},
    {
      name: "the cause's hint is lifted",
      thrown: hinted,
      message: 'mount exited 32',
      hint: 'Check the label.',
    },
  ];
  it.each(cases)('$name', async ({thrown, message, hint}) => {
    const h = makeHarness();
    const failing = h.step('writeFstab', [], {policy: 'degrade'});
    failing.run = () => Promise.reject(thrown);
    const result = await runSteps([h.step('a'), failing, h.step('c')], h.options);
    const err = result.records[1]?.error;
    expect(err).toBeInstanceOf(StepError);
    expect(err?.message).toBe(`step writeFstab (2/3) failed: ${message}`);
    expect(err?.cause).toBe(thrown);
    expect(err?.step).toBe('writeFstab');
    expect(err?.policy).toBe('degrade');
    expect(err?.info.hint).toBe(hint);
  });

  it('wraps a synchronous throw from a non-async run', async () => {
    const h = makeHarness();
    const bad = h.step('bad', [], {policy: 'fatal'});
    bad.run = () => {
      throw new Error('sync');
    };
    const result = await runSteps([bad], h.options);
    expect(result.fatal?.error?.message).toBe('step bad (1/1) failed: sync');
  });
});
