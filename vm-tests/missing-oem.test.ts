// A disk without COS_OEM (SPEC §9: OEM is optional): immucore waits rd.immucore.oemtimeout for it,
// marks mount-oem failed and the boot degraded, and mounts everything else; the layout comes from
// the image's /system/oem, so overlays and persistent binds are the active boot's.
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

  it('boots the active image, the report degraded', () => {
    expectImageBoot(facts, 'active');
    expectBootStatus(facts, 'degraded');
  });

  it('fails mount-oem, naming the label, and no other step', () => {
    const {'mount-oem': oem, ...others} = stepOutcomes(facts);
    expect(oem).toBe('failed');
    expect(Object.entries(others).filter(([, outcome]) => outcome !== 'ok')).toEqual([]);
    const step = reportOf(facts).steps.find((s) => s.name === 'mount-oem');
    expect(step?.error?.message).toContain('COS_OEM');
    expect(findMount(facts, '/oem')).toBeUndefined();
    expect(fstabLines(facts).filter((l) => l.includes(' /oem '))).toEqual([]);
  });

  it('mounts everything else: overlays, COS_PERSISTENT and its binds', () => {
    expectRwOverlays(facts, layout);
    expectPersistentBinds(facts, layout);
  });
});
