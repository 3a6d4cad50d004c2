// What the scenarios expect of a booted system, shared so that each scenario file states only what
// is particular to it. Every check reads the agent's facts (vm-tests/agent); the expected values
// come from SPEC §3-§5 and the image's layout cloud-config (./layout.ts), not from immucore's code.
import {expect} from 'vitest';
import {bindDirName, overlayName} from '../../src/boot/names.ts';
import type {BootReport} from '../../src/report/boot-report.ts';
import {type AgentFacts, findMount} from './facts.ts';
import type {RootImageName} from './image.ts';
import {type ExpectedLayout, PERSISTENT_STATE_TARGET} from './layout.ts';

/** SPEC §3: what a disk boot of each root image names and mounts. */
export const IMAGE_BOOTS = {
  active: {state: 'active', sentinel: 'active_mode', rootLabel: 'COS_ACTIVE', imagesLabel: 'COS_STATE'},
  passive: {state: 'passive', sentinel: 'passive_mode', rootLabel: 'COS_PASSIVE', imagesLabel: 'COS_STATE'},
  recovery: {
    state: 'recovery',
    sentinel: 'recovery_mode',
    rootLabel: 'COS_SYSTEM',
    imagesLabel: 'COS_RECOVERY',
  },
} as const satisfies Record<RootImageName, unknown>;

const STATE_DIR = '/run/initramfs/cos-state';
const OVERLAY_DIR = '/run/overlay';

/** The cmdline a boot loader gives for a root image (SPEC §2). */
export function diskCmdline(image: RootImageName): string {
  return `root=LABEL=${IMAGE_BOOTS[image].rootLabel} cos-img/filename=/cOS/${image}.img`;
}

/** /run/immucore/report.json, which every boot that reached the agent must have. */
export function reportOf(facts: Pick<AgentFacts, 'report'>): BootReport {
  expect(facts.report, 'no /run/immucore/report.json').toBeTypeOf('object');
  return facts.report as BootReport;
}

/** Step name → outcome, e.g. {'mount-oem': 'failed', 'rootfs-stage': 'ok', ...}. */
export function stepOutcomes(facts: Pick<AgentFacts, 'report'>): Record<string, string> {
  return Object.fromEntries(reportOf(facts).steps.map((s) => [s.name, s.outcome]));
}

/** The fstab immucore wrote, as lines without the comment header. */
export function fstabLines(facts: Pick<AgentFacts, 'fstab'>): string[] {
  return (facts.fstab ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * A disk boot of `image`: root is that image's loop device, read-only; its images partition is
 * mounted read-only at /run/initramfs/cos-state; only its sentinel is in /run/cos; the report and
 * the fstab say so. `file` is the image file's name on the images partition when the boot loader
 * named another one than `<image>.img` (retry-shell boots passive.img's hard link missing.img).
 */
export function expectImageBoot(facts: AgentFacts, image: RootImageName, file = `${image}.img`): void {
  const want = IMAGE_BOOTS[image];
  const root = findMount(facts, '/');
  expect(root?.source).toMatch(/^\/dev\/loop\d+$/);
  expect(root?.fstype).toBe('ext4');
  expect(root?.options.split(',')).toContain('ro');
  expect(facts.marker).toBe(image);

  const sentinels = Object.keys(facts.cos).filter((n) => n.endsWith('_mode'));
  expect(sentinels).toEqual([want.sentinel]);
  expect(facts.cos[want.sentinel]?.trim()).toBe('1');

  const state = findMount(facts, STATE_DIR);
  expect(state?.fstype).toBe('ext4');
  expect(state?.options.split(',')).toContain('ro');
  const report = reportOf(facts);
  expect(report).toMatchObject({state: want.state, mode: 'disk', image: `${STATE_DIR}/cOS/${file}`});
  const stateMount = report.mounts.find((m) => m.target === STATE_DIR);
  expect(stateMount).toMatchObject({source: `LABEL=${want.imagesLabel}`, device: state?.source});
  expect(report.mounts.find((m) => m.target === '/sysroot')).toMatchObject({
    source: `LABEL=${want.rootLabel}`,
    device: root?.source,
  });
  expect(fstabLines(facts)).toContain(`LABEL=${want.rootLabel} / ext4 ro 0 0`);
}

/** The report's status, and no unit of the booted system failed. */
export function expectBootStatus(
  facts: Pick<AgentFacts, 'report' | 'failedUnits'>,
  status: BootReport['status'],
): void {
  expect(reportOf(facts).status).toBe(status);
  expect(facts.failedUnits).toEqual([]);
}

/** The cloud-config stages ran and the rootfs stage wrote the layout immucore then read. */
export function expectStagesRan(facts: AgentFacts): void {
  const outcomes = stepOutcomes(facts);
  expect(outcomes['rootfs-stage']).toBe('ok');
  expect(outcomes['load-layout']).toBe('ok');
  expect(outcomes['initramfs-stage']).toBe('ok');
  expect(facts.cos['cos-layout.env'], 'the rootfs stage wrote no /run/cos/cos-layout.env').toBeTruthy();
}

/** The overlay backing on /run/overlay and one overlay per RW path, each in the fstab. */
export function expectRwOverlays(facts: AgentFacts, layout: ExpectedLayout): void {
  const size = layout.overlay?.replace(/^tmpfs:/, '');
  expect(findMount(facts, OVERLAY_DIR)?.fstype).toBe('tmpfs');
  expect(fstabLines(facts)).toContain(`tmpfs ${OVERLAY_DIR} tmpfs rw,size=${size} 0 0`);
  const overlays = facts.mounts.filter((m) => m.fstype === 'overlay').map((m) => m.target);
  expect(overlays.sort()).toEqual([...layout.rwPaths].sort());
  for (const path of layout.rwPaths) {
    const dir = `${OVERLAY_DIR}/${overlayName(path)}/.overlay`;
    expect(findMount(facts, path)?.options, path).toContain(`upperdir=${dir}/upper`);
    expect(fstabLines(facts)).toContain(
      `overlay ${path} overlay lowerdir=${path},upperdir=${dir}/upper,workdir=${dir}/work 0 0`,
    );
  }
}

/**
 * The layout's volume (COS_PERSISTENT at /usr/local) mounted read-write, and every persistent path
 * a bind of its state dir on that volume (`/dev/vdaN[/.state/home.bind]` in findmnt), each with
 * its fstab line.
 */
export function expectPersistentBinds(
  facts: Pick<AgentFacts, 'report' | 'mounts' | 'fstab'>,
  layout: ExpectedLayout,
): void {
  const report = reportOf(facts);
  const volume = layout.volumes.find((v) => PERSISTENT_STATE_TARGET.startsWith(`${v.mountpoint}/`));
  if (!volume) throw new Error(`no volume of the layout holds ${PERSISTENT_STATE_TARGET}`);
  const mounted = findMount(facts, volume.mountpoint);
  expect(mounted?.fstype).toBe('ext4');
  expect(mounted?.options.split(',')).toContain('rw');
  expect(report.mounts.find((m) => m.target === `/sysroot${volume.mountpoint}`)).toMatchObject({
    step: 'mount-volumes',
    source: `LABEL=${volume.label}`,
    device: mounted?.source,
  });
  expect(fstabLines(facts)).toContain(`LABEL=${volume.label} ${volume.mountpoint} ext4 rw 0 0`);

  const stateInVolume = PERSISTENT_STATE_TARGET.slice(volume.mountpoint.length);
  for (const path of layout.persistentPaths) {
    const dir = bindDirName(path);
    expect(findMount(facts, path)?.source, path).toBe(`${mounted?.source}[${stateInVolume}/${dir}]`);
    expect(fstabLines(facts), path).toContain(`${PERSISTENT_STATE_TARGET}/${dir} ${path} none bind 0 0`);
  }
  const binds = report.mounts.filter((m) => m.step === 'mount-persistent');
  expect(binds.map((m) => m.target.slice('/sysroot'.length)).sort()).toEqual(
    [...layout.persistentPaths].sort(),
  );
}

/** Nothing of the user's persistent state is touched: no volume, no bind, nothing in the fstab. */
export function expectNoPersistentState(facts: AgentFacts): void {
  const report = reportOf(facts);
  expect(report.mounts.filter((m) => m.step === 'mount-volumes' || m.step === 'mount-persistent')).toEqual(
    [],
  );
  // findmnt shows a bind as `<device>[<dir>]`.
  expect(facts.mounts.filter((m) => m.source.includes('['))).toEqual([]);
  expect(
    fstabLines(facts).filter((l) => / none bind /.test(l) || l.startsWith('LABEL=COS_PERSISTENT')),
  ).toEqual([]);
  expect(stepOutcomes(facts)).toMatchObject({'mount-volumes': 'skipped', 'mount-persistent': 'skipped'});
}
