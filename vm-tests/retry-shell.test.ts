// immucore retry (issue #12 (e)): the boot fails in the initramfs because its root image is
// missing (cos-img/filename=/cOS/missing.img, as an interrupted upgrade leaves it); dracut's
// emergency shell opens with immucore's banner. The harness types the fix a person would: put an
// image in place on COS_STATE (a hard link to passive.img, whose label is root='s), then
// `immucore retry`, which keeps what the failed run mounted and completes the boot; then `exit`,
// after which the initrd goes on and the system boots. One kernel boot.
// The booted system is also the suite's passive boot (it was passive-boot.test.ts's own full
// Debian boot): root=LABEL=COS_PASSIVE on passive.img's bytes, so every expectation of a passive
// disk boot holds, the image file's name aside.
import {beforeAll, describe, expect, it} from 'vitest';
import {
  expectBootStatus,
  expectImageBoot,
  expectPersistentBinds,
  expectRwOverlays,
  expectStagesRan,
  reportOf,
} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';

const STATE_DIR = '/run/initramfs/cos-state';
const DONE = '@@RETRY-DONE@@';
// Quoted in the typed line so that its echo does not match what the command prints.
const quoted = (marker: string) => marker.replace('DONE', "''DONE");
// COS_STATE as the failed run left it (mounted read-only at STATE_DIR); mounted again if the
// emergency target's isolate had unmounted it. rw only for the link, as `immucore slot` does.
const FIX = [
  `d=${STATE_DIR}`,
  'findmnt "$d" > /dev/null || mount -o ro "$(blkid -L COS_STATE)" "$d"',
  'mount -o remount,rw "$d" && ln "$d/cOS/passive.img" "$d/cOS/missing.img" && mount -o remount,ro "$d"',
  `immucore retry; echo ${quoted(DONE)} $?`,
].join('; ');

describe('immucore retry in the emergency shell continues the boot', () => {
  let boot: BootResult;
  let facts: AgentFacts;

  beforeAll(async () => {
    ({boot, facts} = await bootForFacts({
      name: 'retry-shell',
      append: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/missing.img',
      timeoutSec: 420,
      input: [
        // sulogin asks for Enter ("Press Enter for maintenance\n(or press Control-D to
        // continue): ") when root has no password entry, or opens the shell at once. It sets up
        // the tty after printing that, flushing what was typed meanwhile (a run timed out there):
        // Enter again every 5 s until the shell's prompt shows.
        {after: /Entering emergency mode[\s\S]*?(Press Enter for maintenance|# )/, send: '\n', resendSec: 5},
        {after: /# /, send: `${FIX}\n`},
        {after: new RegExp(`^${DONE} 0\\r?$`, 'm'), send: 'exit\n'},
      ],
    }));
  });

  it('the failure screen and the emergency banner name the immucore commands', () => {
    expect(boot.log).toMatch(/Root image "\/run\/initramfs\/cos-state\/cOS\/missing\.img" does not exist/);
    expect(boot.log).toMatch(/fix the cause and `immucore retry` runs the boot again/);
    for (const command of ['immucore status', 'immucore timeline', 'immucore retry', 'immucore slot status'])
      expect(boot.log).toContain(command);
    expect(boot.typed.map((t) => t.send)).toEqual(['\n', `${FIX}\n`, 'exit\n']);
  });

  it('immucore retry completes the boot and says what exit does', () => {
    expect(boot.log).toMatch(
      /immucore retry: the boot is complete \(ok, attempt 1, \d+ ms; \d+ mounts made, [1-9]\d* kept from before\)/,
    );
    expect(boot.log).toMatch(/type `exit`: the emergency shell ends/i);
  });

  it('the system boots from the retried run: its report, the image, and no second run', () => {
    expect(facts.marker).toBe('passive');
    expect(facts.cos.passive_mode?.trim()).toBe('1');
    const report = reportOf(facts);
    expect(report).toMatchObject({
      status: 'ok',
      state: 'passive',
      image: `${STATE_DIR}/cOS/missing.img`,
      retry: {attempt: 1, previous: 'failed'},
    });
    expect(report.mounts.find((m) => m.target === STATE_DIR)?.result).toBe('already');
    expect(facts.immucoreJournal).toMatch(/completed by `immucore retry` \(attempt 1, ok\)/);
    expect(facts.failedUnits).toEqual([]);
  });

  // passive-boot.test.ts's assertions, on this boot (passive.img under the name missing.img).
  describe('a passive boot from the standard disk', () => {
    const layout = expectedLayout('passive_mode');

    it('switches root into the passive image, read-only, with the passive sentinel and an ok report', () => {
      expectImageBoot(facts, 'passive', 'missing.img');
      expectBootStatus(facts, 'ok');
      expectStagesRan(facts);
    });

    it('mounts the same layout as an active boot: overlays, COS_PERSISTENT and its binds', () => {
      expectRwOverlays(facts, layout);
      expectPersistentBinds(facts, layout);
    });
  });
});
