// rd.immucore.break: the shell opens on the console, with the unit's start timeout pushed back
// for as long as it is open.
import {afterEach, describe, expect, it, vi} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {recordingLogger} from '../../test/fakes/step-context.ts';
import type {RunResult} from '../sys/sys.ts';
import {KEEPALIVE_MS, runBreakShell} from './break-shell.ts';

const SHELL = 'run sh -c exec setsid -c -w sh -i <>"$1" >&0 2>&1 sh /dev/console';
const NOTIFY =
  'run systemd-notify EXTEND_TIMEOUT_USEC=600000000 STATUS=break shell before mount-rw-paths on /dev/console; exit it to go on';

/** A machine whose shell stays open until `exit()` is called. */
function openShell(opts: {notify?: 'fails'} = {}) {
  let exit: () => void = () => {};
  const closed = new Promise<RunResult>((resolve) => {
    exit = () => resolve({exitCode: 0, stdout: '', stderr: ''});
  });
  const envs: Array<Record<string, string> | undefined> = [];
  const sys = new FakeSys({
    run: (argv, o) => {
      if (argv[0] === 'systemd-notify' && opts.notify === 'fails')
        return {exitCode: 1, stdout: '', stderr: 'No status data could be sent: $NOTIFY_SOCKET was not set'};
      if (argv[0] === 'sh') {
        envs.push(o.env);
        return closed;
      }
      return undefined;
    },
  });
  return {sys, envs, exit: () => exit()};
}

afterEach(() => {
  vi.useRealTimers();
});

describe('runBreakShell', () => {
  it('pushes back the start timeout, then opens the shell on the console with its prompt', async () => {
    const {sys, envs, exit} = openShell();
    const log = recordingLogger();
    const done = runBreakShell({sys, log, step: 'mount-rw-paths', live: true});
    await vi.waitFor(() => expect(sys.calls).toContain(SHELL));
    exit();
    await done;
    expect(sys.calls).toEqual([NOTIFY, SHELL]);
    expect(envs).toEqual([{PS1: 'immucore break (mount-rw-paths) # '}]);
    expect(log.lines.map((l) => l.msg)).toEqual([
      'rd.immucore.break=mount-rw-paths: stopped before mount-rw-paths; exit the shell on the console to go on',
      'rd.immucore.break=mount-rw-paths: the shell exited, going on with mount-rw-paths',
    ]);
  });

  it('keeps pushing the timeout back while the shell is open, and stops once it exits', async () => {
    vi.useFakeTimers();
    const {sys, exit} = openShell();
    const done = runBreakShell({sys, log: recordingLogger(), step: 'mount-rw-paths', live: true});
    await vi.advanceTimersByTimeAsync(0);
    expect(sys.calls).toEqual([NOTIFY, SHELL]);
    await vi.advanceTimersByTimeAsync(3 * KEEPALIVE_MS);
    expect(sys.calls.filter((c) => c === NOTIFY)).toHaveLength(4);
    exit();
    await done;
    await vi.advanceTimersByTimeAsync(3 * KEEPALIVE_MS);
    expect(sys.calls.filter((c) => c === NOTIFY)).toHaveLength(4);
  });

  it('opens the shell even when the timeout cannot be pushed back, and says what that risks', async () => {
    const {sys, exit} = openShell({notify: 'fails'});
    const log = recordingLogger();
    const done = runBreakShell({sys, log, step: 'mount-rw-paths', live: true});
    await vi.waitFor(() => expect(sys.calls).toContain(SHELL));
    exit();
    await done;
    expect(log.lines.find((l) => l.level === 'warn' && l.msg.startsWith('cannot'))?.msg).toMatch(
      /^cannot push back the unit's start timeout \(.*NOTIFY_SOCKET was not set\): systemd may stop the shell at TimeoutStartSec, ignoring\.$/,
    );
  });

  it('opens nothing outside the initramfs, and says so', async () => {
    const sys = new FakeSys();
    const log = recordingLogger();
    await runBreakShell({sys, log, step: 'mount-root', live: false});
    expect(sys.calls).toEqual([]);
    expect(log.lines).toEqual([
      {
        level: 'warn',
        msg: 'rd.immucore.break=mount-root: a break shell only opens in the initramfs, ignoring.',
      },
    ]);
  });
});
