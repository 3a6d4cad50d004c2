// System and configuration extensions: this boot state's *.raw, then the common ones, linked into
// /run/extensions and /run/confexts.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext} from '../../test/fakes/step-context.ts';
import {extensionStateDir, linkExtensions} from './link-extensions.ts';

const KAIROS = '/sysroot/var/lib/kairos';

/** A root with extensions for several states; every name is unique, so each link is expected. */
const machine = () =>
  new FakeSys({
    files: {
      [`${KAIROS}/extensions/active/zz-active.raw`]: '',
      [`${KAIROS}/extensions/active/notes.txt`]: '',
      [`${KAIROS}/extensions/passive/passive.raw`]: '',
      [`${KAIROS}/extensions/recovery/rescue.raw`]: '',
      [`${KAIROS}/extensions/common/b-common.raw`]: '',
      [`${KAIROS}/extensions/common/a-common.raw`]: '',
      [`${KAIROS}/confexts/common/conf.raw`]: '',
    },
  });

describe('extensionStateDir', () => {
  const cases = [
    {name: 'an active boot uses the active dir', state: 'active', want: 'active'},
    {name: 'a passive boot uses the passive dir', state: 'passive', want: 'passive'},
    {name: 'a recovery boot uses the recovery dir', state: 'recovery', want: 'recovery'},
    {name: 'an autoreset boot runs from recovery, so uses its dir', state: 'autoreset', want: 'recovery'},
  ];
  it.each(cases)('$name', ({state, want}) => {
    expect(extensionStateDir(state)).toBe(want);
  });
});

describe('linkExtensions', () => {
  it("links this state's extensions, then the common ones, each sorted; confexts after", async () => {
    const sys = machine();
    const ctx = stepContext(sys, {step: 'link-extensions'});
    await linkExtensions(ctx);
    expect(sys.calls).toEqual(
      [
        '/run/extensions/zz-active.raw -> /var/lib/kairos/extensions/active/zz-active.raw',
        '/run/extensions/a-common.raw -> /var/lib/kairos/extensions/common/a-common.raw',
        '/run/extensions/b-common.raw -> /var/lib/kairos/extensions/common/b-common.raw',
        '/run/confexts/conf.raw -> /var/lib/kairos/confexts/common/conf.raw',
      ].map((c) => `symlink ${c}`),
    );
    expect(ctx.log.lines.map((l) => l.msg)).toEqual(['4 extension links']);
  });

  it("links the state's extension over a common one of the same name, and says nothing against it", async () => {
    const sys = new FakeSys({
      files: {
        [`${KAIROS}/extensions/active/k3s.raw`]: '',
        [`${KAIROS}/extensions/common/k3s.raw`]: '',
      },
    });
    const ctx = stepContext(sys, {step: 'link-extensions'});
    await linkExtensions(ctx);
    expect(sys.links.get('/run/extensions/k3s.raw')).toBe('/var/lib/kairos/extensions/active/k3s.raw');
    expect(ctx.log.lines.map((l) => l.msg)).toEqual(['1 extension links']);
  });

  const states = [
    {
      name: 'a recovery boot links the recovery extensions',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
      own: 'rescue.raw',
    },
    {
      name: 'an autoreset boot links the recovery extensions too',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img kairos.reset',
      own: 'rescue.raw',
    },
    {
      name: 'a passive boot links the passive ones',
      cmdline: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img',
      own: 'passive.raw',
    },
  ];
  it.each(states)('$name', async ({cmdline, own}) => {
    const sys = machine();
    await linkExtensions(stepContext(sys, {cmdline}));
    expect([...sys.links.keys()].filter((l) => l.startsWith('/run/extensions/'))).toEqual([
      `/run/extensions/${own}`,
      '/run/extensions/a-common.raw',
      '/run/extensions/b-common.raw',
    ]);
  });

  it('makes no /run dirs when there is nothing to link', async () => {
    const sys = new FakeSys({files: {'/sysroot/etc/os-release': ''}});
    const ctx = stepContext(sys, {cmdline: ACTIVE_CMDLINE});
    await linkExtensions(ctx);
    expect(sys.calls).toEqual([]);
    expect(sys.dirs.has('/run/extensions')).toBe(false);
    expect(ctx.log.lines.map((l) => l.msg)).toEqual(['0 extension links']);
  });

  it('counts only the links it made when run again', async () => {
    const sys = machine();
    await linkExtensions(stepContext(sys));
    const ctx = stepContext(sys);
    await linkExtensions(ctx);
    expect(ctx.log.lines.map((l) => l.msg)).toEqual(['0 extension links']);
    expect(sys.links.size).toBe(4);
  });
});
