// A recovery boot: the recovery image from COS_RECOVERY (root=LABEL=COS_SYSTEM). The default
// layout gives recovery only the overlay backing: every RW path is an ephemeral overlay and the
// user's persistent state (COS_PERSISTENT, the binds) is neither mounted nor touched.
import {beforeAll, describe, it} from 'vitest';
import {
  diskCmdline,
  expectBootStatus,
  expectImageBoot,
  expectNoPersistentState,
  expectRwOverlays,
  expectStagesRan,
} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';

describe('recovery boot from the standard disk', () => {
  const layout = expectedLayout('recovery_mode');
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({name: 'recovery-boot', append: diskCmdline('recovery')}));
  });

  it('switches root into the recovery image from COS_RECOVERY, with the recovery sentinel', () => {
    expectImageBoot(facts, 'recovery');
    expectBootStatus(facts, 'ok');
    expectStagesRan(facts);
  });

  it('makes every default RW path an overlay on the tmpfs the layout names', () => {
    expectRwOverlays(facts, layout);
  });

  it('mounts no volume and binds no persistent path', () => {
    expectNoPersistentState(facts);
  });
});
