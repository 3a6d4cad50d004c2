// A disk boot of the active image from the standard layout (SPEC §1, §4): immucore runs in the
// initramfs before sysroot.mount, attaches cOS/active.img read-only and switch-root lands in it
// with the RW paths as overlays. Checks what the dracut module's ordering must give, not every
// step's detail (those have their own tests).
import {beforeAll, describe, expect, it} from 'vitest';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';

const CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

describe('active boot from the standard disk', () => {
  let facts: AgentFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    const disk = await buildStandardDisk(images);
    const boot = await bootDisk(images, disk, {name: 'active-boot', append: CMDLINE, timeoutSec: 300});
    if (!boot.facts) throw new Error(`the agent never reported; see ${boot.logPath}`);
    facts = boot.facts;
  });

  it('switches root into the active image, loop-attached and read-only', () => {
    const root = findMount(facts, '/');
    expect(root?.source).toMatch(/^\/dev\/loop\d+$/);
    expect(root?.options.split(',')).toContain('ro');
    expect(facts.marker).toBe('active');
  });

  it('keeps the state partition mounted read-only under /run/initramfs/cos-state', () => {
    const state = findMount(facts, '/run/initramfs/cos-state');
    expect(state?.fstype).toBe('ext4');
    expect(state?.options.split(',')).toContain('ro');
  });

  it('puts an overlay on every default RW path', () => {
    for (const path of ['/etc', '/root', '/home', '/opt', '/srv', '/usr/local', '/var']) {
      expect(findMount(facts, path)?.fstype, path).toBe('overlay');
    }
  });

  it('writes the active sentinel, the fstab and an ok report; no unit failed', () => {
    expect(facts.cos.active_mode?.trim()).toBe('1');
    expect(facts.fstab).toMatch(/^LABEL=COS_ACTIVE \/ ext4 ro 0 0$/m);
    const report = facts.report as {status: string; mode: string; state: string} | null;
    expect(report).toMatchObject({status: 'ok', mode: 'disk', state: 'active'});
    expect(facts.failedUnits).toEqual([]);
  });

  it('runs before dracut would wait for the root label (no fsck or second mount of /sysroot)', () => {
    expect(facts.immucoreJournal).toMatch(/Finished immucore\.service/);
    expect(facts.failedUnits.filter((u) => u.startsWith('systemd-fsck'))).toEqual([]);
  });
});
