// After the failure screen: hold it for a key (or the bound), then reboot through systemd; or
// leave the initrd to dracut.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {recordingLogger} from '../../test/fakes/step-context.ts';
import {parseCmdline} from '../boot/cmdline.ts';
import {decideFailureAction} from '../boot/failure-action.ts';
import {runAfterFailure} from './after-failure.ts';

const actionFor = (cmdline: string) => decideFailureAction(parseCmdline(cmdline));
const signal = new AbortController().signal;

describe('runAfterFailure', () => {
  const cases = [
    {
      name: 'Kairos: a key ends the 90 s hold, then a clean reboot through systemd',
      cmdline: 'rd.emergency=reboot rd.shell=0',
      key: 'key' as const,
      calls: ['waitForKey /dev/console 90000', 'run systemctl --no-block reboot'],
      last: 'a key was pressed: rebooting now',
    },
    {
      name: 'Kairos: nobody presses a key, the hold runs out, then a reboot',
      cmdline: 'rd.emergency=reboot rd.shell=0',
      key: 'timeout' as const,
      calls: ['waitForKey /dev/console 90000', 'run systemctl --no-block reboot'],
      last: 'no key within 90 s: rebooting now',
    },
    {
      name: 'rd.emergency=poweroff powers off after the hold',
      cmdline: 'rd.emergency=poweroff rd.shell=0',
      key: 'key' as const,
      calls: ['waitForKey /dev/console 90000', 'run systemctl --no-block poweroff'],
      last: 'a key was pressed: powering off now',
    },
    {
      name: 'rd.immucore.rebootonfailure holds 10 s',
      cmdline: 'rd.immucore.rebootonfailure',
      key: 'timeout' as const,
      calls: ['waitForKey /dev/console 10000', 'run systemctl --no-block reboot'],
      last: 'no key within 10 s: rebooting now',
    },
    {
      name: 'the shell is dracut’s: nothing to do',
      cmdline: 'rd.shell=1',
      key: 'key' as const,
      calls: [],
      last: undefined,
    },
    {
      name: 'a halt keeps the screen: nothing to do',
      cmdline: 'rd.shell=0',
      key: 'key' as const,
      calls: [],
      last: undefined,
    },
  ];
  it.each(cases)('$name', async ({cmdline, key, calls, last}) => {
    const sys = new FakeSys({key});
    const log = recordingLogger();
    await runAfterFailure({sys, log, action: actionFor(cmdline), signal, live: true});
    expect(sys.calls).toEqual(calls);
    expect(log.lines.at(-1)?.msg).toBe(last);
    // The reader says when it listens: a key typed on a serial console before that is lost.
    expect(sys.keyPrompts).toEqual(
      calls.length
        ? [
            expect.stringMatching(
              /^immucore: waiting \d+ s for a key on \/dev\/console, then (rebooting|powering off)\r\n$/,
            ),
          ]
        : [],
    );
  });

  it('holds the full bound when the console cannot be read, so the screen is not lost', async () => {
    const sys = new FakeSys().fail('waitForKey /dev/console 10000', 'ENXIO');
    const log = recordingLogger();
    const started = performance.now();
    // rebootonfailure's 10 s would be long for a test: stop it with SIGTERM once it is holding.
    const controller = new AbortController();
    const done = runAfterFailure({
      sys,
      log,
      action: actionFor('rd.immucore.rebootonfailure'),
      signal: controller.signal,
      live: true,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.lines.at(-1)?.msg).toMatch(
      /^cannot read a key on \/dev\/console \(.*ENXIO.*\): holding the full 10 s$/,
    );
    controller.abort();
    await done;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(log.lines.at(-1)?.msg).toBe('stopped (SIGTERM) while holding the failure screen: not rebooting');
    expect(sys.calls.some((c) => c.includes('systemctl'))).toBe(false);
  });

  it('neither holds nor reboots outside the initramfs, and says so', async () => {
    const sys = new FakeSys({key: 'key'});
    const log = recordingLogger();
    await runAfterFailure({
      sys,
      log,
      action: actionFor('rd.shell=0 rd.emergency=reboot'),
      signal,
      live: false,
    });
    expect(sys.calls).toEqual([]);
    expect(log.lines).toEqual([
      {level: 'warn', msg: 'rd.shell=0 rd.emergency=reboot: not rebooting outside the initramfs, ignoring.'},
    ]);
  });
});
