import {describe, expect, it} from 'vitest';
import {type OrderInput, orderSteps} from './step-order.ts';

const step = (source: string, name: string | undefined, after: string[] = []): OrderInput => ({
  source,
  after,
  label: `${source}:${name ?? '?'}`,
  ...(name ? {name} : {}),
});
const run = (steps: OrderInput[]) => orderSteps(steps).order.map((i) => steps[i]?.label);

describe('orderSteps (yip after: semantics)', () => {
  it('keeps source order when no step has after:', () => {
    const s = [step('/oem/a.yaml', 'one'), step('/oem/a.yaml', 'two'), step('/oem/b.yaml', 'x')];
    expect(run(s)).toEqual(['/oem/a.yaml:one', '/oem/a.yaml:two', '/oem/b.yaml:x']);
  });

  it('names steps as yip: source.name, source.index when unnamed, name.i when a file repeats a name', () => {
    const s = [
      step('/oem/a.yaml', 'dup'),
      step('/oem/a.yaml', 'dup'),
      step('/oem/b.yaml', undefined),
      step('cfg', 'n'),
      step('cfg2', 'n'),
    ];
    expect(orderSteps(s).names).toEqual([
      '/oem/a.yaml.dup.0',
      '/oem/a.yaml.dup.1',
      '/oem/b.yaml.0',
      'cfg.n',
      'cfg2.n',
    ]);
  });

  it('gives a name taken by two sources a .1 suffix (yip uniqueNames)', () => {
    const s = [step('cfg', 'n'), step('cfg', 'm'), step('cfg', 'n')];
    // one file repeating "n": .0/.2; the same config name in two sources: .1
    expect(orderSteps([step('cfg', 'n'), step('other', 'z'), step('cfg', 'n')]).names).toEqual([
      'cfg.n',
      'other.z',
      'cfg.n.1',
    ]);
    expect(orderSteps(s).names).toEqual(['cfg.n.0', 'cfg.m.1', 'cfg.n.2']);
  });

  it('runs a step after the step it names, even from a later file', () => {
    const s = [step('/oem/a.yaml', 'first', ['/oem/b.yaml.late']), step('/oem/b.yaml', 'late')];
    expect(run(s)).toEqual(['/oem/b.yaml:late', '/oem/a.yaml:first']);
  });

  it('a step without after: waits for the one before it in its file', () => {
    const s = [step('f', 'a', ['g.z']), step('f', 'b'), step('g', 'z')];
    // b waits for a, a waits for z; z does not wait for a (a has after:) but waits for b (no after:).
    // That is a cycle in yip too: z -> b -> a -> z.
    const o = orderSteps(s);
    expect(o.order).toEqual([]);
    expect([...o.errors.keys()]).toEqual([0, 1, 2]);
    expect(o.errors.get(0)?.message).toContain('cycle');
  });

  it('steps of a file wait for the steps of the file before that have no after:', () => {
    const s = [step('f', 'a'), step('f', 'b', ['h.last']), step('g', 'x'), step('h', 'last')];
    // x waits for a only (b has after:); last waits for x; b waits for last.
    expect(run(s)).toEqual(['f:a', 'g:x', 'h:last', 'f:b']);
  });

  it('accepts a bare step name when it is unique in the part (our addition)', () => {
    const s = [step('f', 'a', ['b']), step('g', 'b')];
    expect(run(s)).toEqual(['g:b', 'f:a']);
  });

  it('refuses an ambiguous bare name and an unknown one with a warning, and ignores it', () => {
    const s = [step('f', 'a', ['b', 'nope']), step('g', 'b'), step('h', 'b')];
    const o = orderSteps(s);
    expect(o.order.map((i) => s[i]?.label)).toEqual(['f:a', 'g:b', 'h:b']);
    expect(o.warnings.get(0)?.message).toContain('"b", "nope" names no other step');
    expect(o.warnings.get(0)?.hint).toContain('"f.<step name>"');
  });

  it('a step naming itself is a warning, not a cycle', () => {
    const s = [step('f', 'a', ['f.a'])];
    const o = orderSteps(s);
    expect(o.order).toEqual([0]);
    expect(o.warnings.has(0)).toBe(true);
  });

  it('reports the two steps of a cycle and still runs the others', () => {
    const s = [step('f', 'a', ['g.b']), step('g', 'b', ['f.a']), step('h', 'c')];
    const o = orderSteps(s);
    expect(o.order).toEqual([2]);
    expect(o.errors.get(0)?.message).toBe('its after: waits in a cycle (on "g.b")');
    expect(o.errors.get(1)?.message).toBe('its after: waits in a cycle (on "f.a")');
  });

  it('waits for every step named', () => {
    const s = [step('f', 'a', ['g.b', 'h.c']), step('g', 'b', ['h.c']), step('h', 'c')];
    expect(run(s)).toEqual(['h:c', 'g:b', 'f:a']);
  });
});

describe('planStage with after:', () => {
  it('orders the parsed steps, reads both after: forms, fails a cycle', async () => {
    const {parseCloudConfig} = await import('./parse-config.ts');
    const {planStage} = await import('./plan.ts');
    const a = parseCloudConfig(
      `name: base\nstages:\n  rootfs:\n    - name: users\n      after:\n        - name: layout.grow\n`,
      '/oem/10_base.yaml',
    );
    const b = parseCloudConfig(
      `stages:\n  rootfs:\n    - name: ignored\n  rootfs.after:\n    - name: x\n      after: [y]\n    - name: y\n      after: [x]\n`,
      '/oem/20_b.yaml',
    );
    const c = parseCloudConfig(`name: layout\nstages:\n  rootfs:\n    - name: grow\n`, '/oem/30_layout.yaml');
    const plan = planStage('rootfs', {sources: [a, b, c], errors: [], warnings: []});
    expect(plan.unsupported).toEqual([]);
    // ignored does not wait for users (it has after:), grow waits for ignored, users for grow.
    expect(plan.steps.map((s) => `${s.part} ${s.step.name}`)).toEqual([
      'rootfs ignored',
      'rootfs grow',
      'rootfs users',
      'rootfs.after x',
      'rootfs.after y',
    ]);
    const x = plan.steps.find((s) => s.step.name === 'x');
    expect(x?.step.errors[0]?.message).toBe('its after: waits in a cycle (on "/oem/20_b.yaml.y")');
  });
});
