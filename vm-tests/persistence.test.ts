// Two boots of one disk (one qcow2 overlay): the first writes a file under persistent and under
// ephemeral paths (the agent's immucore.test.write, after it reported), then powers off cleanly;
// the second reads them back. Files under the layout's persistent paths and on COS_PERSISTENT
// survive; files under RW paths (overlays on tmpfs) do not.
import {beforeAll, describe, expect, it} from 'vitest';
import {isSameOrBelow} from '../src/boot/names.ts';
import {diskCmdline, expectBootStatus, expectPersistentBinds} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts, freshOverlay} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';

// A persistent path under an RW overlay, one on the read-only root, one under /var, the volume.
const KEPT = ['/etc/ssh/immucore-kept', '/home/immucore-kept', '/var/log/immucore-kept', '/usr/local/kept'];
// Overlays only: /etc, /srv, and /var/lib (whose persistent children are elsewhere).
const LOST = ['/etc/immucore-lost', '/srv/immucore-lost', '/var/lib/immucore-lost'];
const FILES = [...KEPT, ...LOST];

describe('persistence across two boots of one disk', () => {
  const layout = expectedLayout('active_mode');
  let first: AgentFacts;
  let second: AgentFacts;

  beforeAll(async () => {
    const overlay = await freshOverlay('persistence');
    const files = `immucore.test.files=${FILES.join(',')}`;
    ({facts: first} = await bootForFacts({
      name: 'persistence-1',
      append: `${diskCmdline('active')} ${files} immucore.test.write=${FILES.join(',')}`,
      overlay,
      waitForPoweroff: true,
    }));
    ({facts: second} = await bootForFacts({
      name: 'persistence-2',
      append: `${diskCmdline('active')} ${files}`,
      overlay,
      waitForPoweroff: true,
    }));
  });

  it('picks paths the layout makes persistent and ephemeral', () => {
    const kept = [...layout.persistentPaths, ...layout.volumes.map((v) => v.mountpoint)];
    for (const f of KEPT)
      expect(
        kept.some((p) => isSameOrBelow(f, p)),
        f,
      ).toBe(true);
    for (const f of LOST) {
      expect(
        layout.rwPaths.some((p) => isSameOrBelow(f, p)),
        f,
      ).toBe(true);
      expect(
        kept.some((p) => isSameOrBelow(f, p)),
        f,
      ).toBe(false);
    }
  });

  it('boots twice, ok, with the persistent binds both times', () => {
    expect(second.bootId).not.toBe(first.bootId);
    for (const facts of [first, second]) {
      expectBootStatus(facts, 'ok');
      expectPersistentBinds(facts, layout);
    }
  });

  it('starts from a disk without the files', () => {
    expect(first.files).toEqual(Object.fromEntries(FILES.map((f) => [f, null])));
  });

  it('keeps what the first boot wrote under persistent paths', () => {
    for (const f of KEPT) expect(second.files[f]?.trim(), f).toBe(first.bootId);
  });

  it('forgets what the first boot wrote under ephemeral paths', () => {
    for (const f of LOST) expect(second.files[f], f).toBeNull();
  });

  it('copies the image content into a state dir on first use only', () => {
    expect(first.immucoreJournal).toMatch(/\/home: first use: seeded \S*\/home\.bind from the image/);
    expect(second.immucoreJournal).not.toMatch(/first use/);
  });
});
