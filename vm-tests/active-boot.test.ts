// A disk boot of the active image from the standard layout (SPEC §1, §4): immucore runs in the
// initramfs before sysroot.mount, attaches cOS/active.img read-only, the rootfs stage writes the
// image's default layout (/system/oem/05_immucore-layout.yaml), and switch-root lands in it with
// the RW paths as overlays and the persistent paths bound from COS_PERSISTENT. Checks what the
// dracut module's ordering must give, not every step's detail (those have their own tests).
import {beforeAll, describe, expect, it} from 'vitest';
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

describe('active boot from the standard disk', () => {
  const layout = expectedLayout('active_mode');
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({name: 'active-boot', append: diskCmdline('active')}));
  });

  it('switches root into the active image, loop-attached and read-only, with an ok report', () => {
    expectImageBoot(facts, 'active');
    expectBootStatus(facts, 'ok');
  });

  it('runs the stages: the rootfs stage writes the layout of /system/oem', () => {
    expectStagesRan(facts);
  });

  it("puts an overlay on each of the layout's RW paths", () => {
    expectRwOverlays(facts, layout);
  });

  it('mounts COS_PERSISTENT and binds every persistent path from it, each in the fstab', () => {
    expectPersistentBinds(facts, layout);
  });

  it('runs before dracut would wait for the root label (no fsck or second mount of /sysroot)', () => {
    expect(facts.immucoreJournal).toMatch(/Finished immucore\.service/);
    expect(facts.failedUnits.filter((u) => u.startsWith('systemd-fsck'))).toEqual([]);
  });
});
