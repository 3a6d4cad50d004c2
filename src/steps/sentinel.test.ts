// The sentinel file that tells the booted system which state it runs in.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext} from '../../test/fakes/step-context.ts';
import {writeSentinel} from './sentinel.ts';

describe('writeSentinel', () => {
  const cases = [
    {name: 'an active boot writes active_mode', cmdline: ACTIVE_CMDLINE, file: '/run/cos/active_mode'},
    {
      name: 'a passive boot writes passive_mode',
      cmdline: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img',
      file: '/run/cos/passive_mode',
    },
    {
      name: 'a recovery boot writes recovery_mode',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
      file: '/run/cos/recovery_mode',
    },
    {
      name: 'a reset boot writes autoreset_mode',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img kairos.reset',
      file: '/run/cos/autoreset_mode',
    },
    {name: 'live media write live_mode', cmdline: 'root=live:CDLABEL=COS_LIVE', file: '/run/cos/live_mode'},
  ];
  it.each(cases)('$name', async ({cmdline, file}) => {
    const sys = new FakeSys();
    const ctx = stepContext(sys, {cmdline, step: 'sentinel'});
    await writeSentinel(ctx);
    expect(sys.calls).toEqual([`write ${file}`]);
    expect(sys.files.get(file)?.text).toBe('1');
    expect(ctx.log.lines.map((l) => l.msg)).toEqual([`wrote ${file}`]);
  });

  it('leaves the other files of /run/cos alone', async () => {
    const sys = new FakeSys({files: {'/run/cos/cos-layout.env': 'OVERLAY=tmpfs:25%\n'}});
    await writeSentinel(stepContext(sys));
    expect([...sys.files.keys()].sort()).toEqual(['/run/cos/active_mode', '/run/cos/cos-layout.env']);
  });
});
