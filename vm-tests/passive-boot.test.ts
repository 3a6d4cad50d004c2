// A disk boot of the passive image (the fallback after a failed upgrade): the same standard disk,
// the boot loader's passive entry. Root is cOS/passive.img, read-only; the layout and the user's
// persistent state are the active boot's (the default layout covers both).
import {beforeAll, describe, it} from 'vitest';
import {
  diskCmdline,
  expectBootStatus,
  expectImageBoot,
  expectPersistentBinds,
  expectRwOverlays,
  expectStagesRan,
} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';

describe('passive boot from the standard disk', () => {
  const layout = expectedLayout('passive_mode');
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({name: 'passive-boot', append: diskCmdline('passive')}));
  });

  it('switches root into the passive image, read-only, with the passive sentinel and an ok report', () => {
    expectImageBoot(facts, 'passive');
    expectBootStatus(facts, 'ok');
    expectStagesRan(facts);
  });

  it('mounts the same layout as an active boot: overlays, COS_PERSISTENT and its binds', () => {
    expectRwOverlays(facts, layout);
    expectPersistentBinds(facts, layout);
  });
});
