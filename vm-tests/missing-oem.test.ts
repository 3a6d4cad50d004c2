// A disk without COS_OEM (SPEC §4: OEM is optional): immucore waits rd.immucore.oemtimeout for it,
// reports a warning with the fix, boots ok and mounts everything else; the layout comes from the
// image's /system/oem, so overlays and persistent binds are the active boot's.
import {beforeAll, describe, expect, it} from 'vitest';
import {
  diskCmdline,
  expectBootStatus,
  expectImageBoot,
  expectPersistentBinds,
  expectRwOverlays,
  fstabLines,
  reportOf,
  stepOutcomes,
} from './lib/expect-boot.ts';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootForFacts, buildMissingOemDisk} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';

describe('active boot of a disk without COS_OEM', () => {
  const layout = expectedLayout('active_mode');
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({
      name: 'missing-oem',
      append: diskCmdline('active'),
      disk: buildMissingOemDisk,
    }));
  });

  it('boots the active image, the report ok: a missing OEM partition is not a degraded boot', () => {
    expectImageBoot(facts, 'active');
    expectBootStatus(facts, 'ok');
  });

  it('warns about COS_OEM with the fix, after waiting rd.immucore.oemtimeout (5 s), and fails no step', () => {
    expect(Object.entries(stepOutcomes(facts)).filter(([, outcome]) => outcome !== 'ok')).toEqual([]);
    const report = reportOf(facts);
    expect(report.failures).toEqual([]);
    expect(report.warnings.filter((w) => w.step === 'mount-oem')).toEqual([
      {
        step: 'mount-oem',
        item: 'LABEL=COS_OEM',
        message: 'no OEM partition appeared within 5 s',
        hint: expect.stringMatching(/^Create an ext4 partition labelled COS_OEM/),
      },
    ]);
    // unlock-oem waits (for the label or a LUKS container); mount-oem does not wait again.
    const waited = report.steps
      .filter((s) => s.name === 'unlock-oem' || s.name === 'mount-oem')
      .reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
    expect(waited).toBeGreaterThan(4900);
    expect(waited).toBeLessThan(20_000);
    expect(facts.immucoreJournal).not.toMatch(/cannot boot/);
    expect(findMount(facts, '/oem')).toBeUndefined();
    expect(fstabLines(facts).filter((l) => l.includes(' /oem '))).toEqual([]);
  });

  it('mounts everything else: overlays, COS_PERSISTENT and its binds', () => {
    expectRwOverlays(facts, layout);
    expectPersistentBinds(facts, layout);
  });
});
