// A recovery boot: the recovery image from COS_RECOVERY (root=LABEL=COS_SYSTEM). The default
// layout gives recovery only the overlay backing: every RW path is an ephemeral overlay and the
// user's persistent state (COS_PERSISTENT, the binds) is neither mounted nor touched.
import {beforeAll, describe, expect, it} from 'vitest';
import {
  diskCmdline,
  expectBootStatus,
  expectImageBoot,
  expectNoPersistentState,
  expectRwOverlays,
  expectStagesRan,
  reportOf,
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

  it('gets the recovery memory preset by default (SPEC §10), nohang.service enabled with it', () => {
    const policy = reportOf(facts).memory?.policy;
    expect(policy, JSON.stringify(reportOf(facts).memory)).toMatchObject({
      preset: 'recovery',
      fellBack: false,
    });
    expect(policy?.applied).toMatchObject({unit: 'nohang.service', config: '/etc/nohang/immucore.conf'});
    expect(facts.memory?.units['nohang.service'].enabled).toBe('enabled');
    expect(facts.memory?.units['nohang-desktop.service'].enabled).not.toBe('enabled');
  });
});
