// A squashfs recovery boot: COS_RECOVERY holds the recovery root as /recovery.squashfs and the boot
// loader's entry says root=live:LABEL=COS_RECOVERY rd.live.dir=/ rd.live.squashimg=recovery.squashfs
// (SPEC §3: state recovery, the live plan). dracut's dmsquash-live, which the immucore module
// pulls in, mounts the squashfs under an overlay at /sysroot; immucore waits for it, mounts OEM,
// runs the stages (the recovery layout) and leaves the root to dracut. Without dmsquash-live
// nothing mounts /sysroot and wait-sysroot fails after rd.immucore.sysrootwait.
import {beforeAll, describe, expect, it} from 'vitest';
import {expectBootStatus, reportOf, stepOutcomes} from './lib/expect-boot.ts';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootForFacts, buildSquashfsRecoveryDisk} from './lib/fixtures.ts';
import {expectedLayout} from './lib/layout.ts';

const CHROOT_VIEW = '/run/immucore-test-chroot.txt';
const CMDLINE = [
  'root=live:LABEL=COS_RECOVERY rd.live.dir=/ rd.live.squashimg=recovery.squashfs',
  'kairos.config_url=/system/immucore-test/chroot-binds.yaml',
  `immucore.test.files=${CHROOT_VIEW}`,
].join(' ');

describe('squashfs recovery from COS_RECOVERY (live plan)', () => {
  const layout = expectedLayout('recovery_mode');
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({
      name: 'squashfs-recovery',
      disk: buildSquashfsRecoveryDisk,
      append: CMDLINE,
    }));
  });

  it('boots the recovery root from the squashfs, under an overlay, with the recovery sentinel', () => {
    expect(facts.marker).toBe('recovery');
    const root = findMount(facts, '/');
    expect(root?.fstype).toBe('overlay');
    expect(root?.options).toContain('lowerdir=/run/rootfsbase');
    expect(findMount(facts, '/run/rootfsbase')?.fstype).toBe('squashfs');
    expect(findMount(facts, '/run/initramfs/live')?.fstype).toBe('ext4');
    expect(Object.keys(facts.cos).filter((n) => n.endsWith('_mode'))).toEqual(['recovery_mode']);
    expectBootStatus(facts, 'ok');
  });

  it('runs the live plan: waits for dracut, mounts OEM, runs the stages with the recovery layout', () => {
    const report = reportOf(facts);
    expect(report).toMatchObject({state: 'recovery', mode: 'live'});
    expect(stepOutcomes(facts)).toEqual({
      sentinel: 'ok',
      'wait-sysroot': 'ok',
      'activate-devices': 'ok',
      'unlock-oem': 'ok',
      'mount-oem': 'ok',
      'rootfs-stage': 'ok',
      'memory-policy': 'ok',
      'initramfs-stage': 'ok',
      report: 'ok',
    });
    expect(findMount(facts, '/oem')?.fstype).toBe('ext4');
    // The recovery layout step of /system/oem/05_immucore-layout.yaml wrote its overlay.
    expect(facts.cos['cos-layout.env']).toContain(`OVERLAY="${layout.overlay}"`);
    // immucore mounted nothing of the disk plan: no image, no overlays of its own.
    expect(report.mounts.map((m) => m.target)).toEqual(['/sysroot/oem']);
    expect(report.memory?.policy).toMatchObject({preset: 'recovery'});
  });

  it('gives the initramfs stage the live medium, the squashfs root, /dev/pts and /dev/shm', () => {
    const view = facts.files[CHROOT_VIEW] ?? '';
    expect(view).toMatch(/^live: .*\brecovery\.squashfs\b/m);
    expect(view).toMatch(/^rootfsbase: \/run\/rootfsbase\/system$/m);
    expect(view).toMatch(/^pts: mounted$/m);
    expect(view).toMatch(/^shm: mounted$/m);
  });
});
