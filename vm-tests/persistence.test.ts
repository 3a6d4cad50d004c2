// Two boots of one disk (one qcow2 overlay): the first writes a file under persistent and under
// ephemeral paths (the agent's immucore.test.write, after it reported), then powers off cleanly;
// the second reads them back. Files under the layout's persistent paths and on COS_PERSISTENT
// survive; files under RW paths (overlays on tmpfs) do not. The second boot ends in the initramfs
// (lib/sysroot-facts.ts): the binds, the fstab and the files under /sysroot are there before
// switch-root.
import {beforeAll, describe, expect, it} from 'vitest';
import {isSameOrBelow} from '../src/boot/names.ts';
import {diskCmdline, expectBootStatus, expectPersistentBinds} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootDisk, bootForFacts, buildImageSet, buildStandardDisk, freshOverlay} from './lib/fixtures.ts';
import {type InitramfsFacts, WATCH_END} from './lib/initramfs-watch.ts';
import {expectedLayout} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';
import {readSysrootFacts, type SysrootFacts, watchSysroot} from './lib/sysroot-facts.ts';

// A persistent path under an RW overlay, one on the read-only root, one under /var, the volume.
const KEPT = ['/etc/ssh/immucore-kept', '/home/immucore-kept', '/var/log/immucore-kept', '/usr/local/kept'];
// Overlays only: /etc, /srv, and /var/lib (whose persistent children are elsewhere).
const LOST = ['/etc/immucore-lost', '/srv/immucore-lost', '/var/lib/immucore-lost'];
const FILES = [...KEPT, ...LOST];
const SECOND = 'persistence-2';

describe('persistence across two boots of one disk', () => {
  const layout = expectedLayout('active_mode');
  let first: AgentFacts;
  let secondBoot: BootResult;
  let second: SysrootFacts;
  let secondUnit: InitramfsFacts['unit'];

  beforeAll(async () => {
    const overlay = await freshOverlay('persistence');
    ({facts: first} = await bootForFacts({
      name: 'persistence-1',
      append: `${diskCmdline('active')} immucore.test.files=${FILES.join(',')} immucore.test.write=${FILES.join(',')}`,
      overlay,
      waitForPoweroff: true,
    }));
    const images = await buildImageSet();
    secondBoot = await bootDisk(images, await buildStandardDisk(images), {
      name: SECOND,
      append: `${diskCmdline('active')} rd.immucore.break=report`,
      overlay,
      input: watchSysroot(FILES),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    ({
      facts: second,
      watch: {unit: secondUnit},
    } = readSysrootFacts(SECOND));
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
    expect(secondBoot.timedOut).toBe(false);
    expect(second.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.bootId).not.toBe(first.bootId);
    expect(secondUnit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    for (const facts of [first, second]) {
      expectBootStatus(facts, 'ok');
      expectPersistentBinds(facts, layout);
    }
  });

  it('starts from a disk without the files', () => {
    expect(first.files).toEqual(Object.fromEntries(FILES.map((f) => [f, null])));
  });

  it('keeps what the first boot wrote under persistent paths', () => {
    expect(Object.keys(second.files).sort()).toEqual([...FILES].sort());
    for (const f of KEPT) expect(second.files[f]?.trim(), f).toBe(first.bootId);
  });

  it('forgets what the first boot wrote under ephemeral paths', () => {
    for (const f of LOST) expect(second.files[f], f).toBeNull();
  });

  it('copies the image content into a state dir on first use only', () => {
    expect(first.immucoreJournal).toMatch(/\/home: first use: seeded \S*\/home\.bind from the image/);
    // The second boot's journal is there (it binds /home), and it seeds nothing.
    expect(second.immucoreJournal).toMatch(/bind \S*\/home\.bind on \/sysroot\/home$/m);
    expect(second.immucoreJournal).not.toMatch(/first use/);
  });
});
