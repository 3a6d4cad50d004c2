// Layout problems do not stop a boot (SPEC §2, §5): a malformed cmdline value and a malformed line
// a cloud-config appended to /run/cos/cos-layout.env (vm-tests/agent/cloud-config/bad-layout.yaml,
// read through kairos.config_url). Each is named, with its exact input, in the report's problems;
// the boot is degraded, and the rest of the layout is mounted as usual.
import {beforeAll, describe, expect, it} from 'vitest';
import {
  diskCmdline,
  expectBootStatus,
  expectImageBoot,
  expectPersistentBinds,
  expectRwOverlays,
  expectStagesRan,
  reportOf,
} from './lib/expect-boot.ts';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';

const BAD_OVERLAY = 'rd.immucore.overlay=tmpfs:lots';
const BAD_LINE = 'PERSISTENT_STATE_PATHS+=" /data"';
const CONFIG = 'kairos.config_url=/system/immucore-test/bad-layout.yaml';

describe('boot with a malformed cmdline value and a malformed layout line', () => {
  const layout = expectedLayout('active_mode');
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({
      name: 'bad-layout',
      append: `${diskCmdline('active')} ${BAD_OVERLAY} ${CONFIG}`,
    }));
  });

  it('boots the active image; the report is degraded', () => {
    expectImageBoot(facts, 'active');
    expectBootStatus(facts, 'degraded');
    expectStagesRan(facts);
  });

  it('names the cmdline token in the problems', () => {
    const problem = reportOf(facts).problems.find((p) => p.input === BAD_OVERLAY);
    expect(problem, JSON.stringify(reportOf(facts).problems)).toMatchObject({level: 'error'});
    expect(problem?.message).toContain('lots');
  });

  it('names the layout line, with its file and line number, in the problems', () => {
    expect(facts.cos['cos-layout.env']).toContain(BAD_LINE);
    const problem = reportOf(facts).problems.find((p) => p.input === BAD_LINE);
    expect(problem, JSON.stringify(reportOf(facts).problems)).toMatchObject({level: 'error'});
    expect(problem?.message).toMatch(/\/run\/cos\/cos-layout\.env:\d+/);
    expect(facts.immucoreJournal).toContain(BAD_LINE);
  });

  it('skips only the bad line: the rest of the layout is mounted, /data is not', () => {
    expectRwOverlays(facts, layout);
    expectPersistentBinds(facts, layout);
    expect(findMount(facts, '/data')).toBeUndefined();
  });
});
