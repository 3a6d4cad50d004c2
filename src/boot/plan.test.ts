import {describe, expect, it} from 'vitest';
import {parseCmdline} from './cmdline.ts';
import {planMounts, planRwOverlay} from './mount-plan.ts';
import {describeStepMounts, overlayMountSpec, persistentMountSpec} from './mount-specs.ts';
import {planBoot} from './plan.ts';

const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const DISK_STEPS = [
  'sentinel',
  'activate-devices',
  'mount-tmp',
  'mount-state',
  'attach-image',
  'mount-root',
  'unlock-oem',
  'mount-oem',
  'rootfs-stage',
  'load-layout',
  'mount-overlay-base',
  'unlock-volumes',
  'mount-volumes',
  'mount-rw-paths',
  'mount-persistent',
  'link-extensions',
  'memory-policy',
  'write-fstab',
  'initramfs-stage',
  'report',
];

/** Both phases, each step with the mounts it would make. */
function plan(cmdline: string, layoutText?: string) {
  const config = parseCmdline(cmdline);
  const p = planBoot(config);
  const mounts = planMounts(config, layoutText === undefined ? {} : {layout: layoutText});
  const byStep = describeStepMounts(p, mounts);
  return {
    ...p,
    problems: [...p.problems, ...(p.state.mode === 'disk' ? mounts.problems : [])],
    steps: p.steps.map((s) => ({...s, mounts: byStep[s.name] ?? []})),
  };
}

function stepOf(p: ReturnType<typeof plan>, name: string) {
  const s = p.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step ${name} in ${p.steps.map((x) => x.name).join(' ')}`);
  return s;
}

describe('planBoot', () => {
  const cases = [
    {
      name: 'active boot is the disk plan from COS_STATE',
      cmdline: ACTIVE,
      state: 'active',
      mode: 'disk',
      steps: DISK_STEPS,
      images: 'LABEL=COS_STATE',
      root: 'LABEL=COS_ACTIVE',
    },
    {
      name: 'passive boot mounts the passive image',
      cmdline: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img',
      state: 'passive',
      mode: 'disk',
      steps: DISK_STEPS,
      images: 'LABEL=COS_STATE',
      root: 'LABEL=COS_PASSIVE',
    },
    {
      name: 'recovery boot mounts from COS_RECOVERY',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
      state: 'recovery',
      mode: 'disk',
      steps: DISK_STEPS,
      images: 'LABEL=COS_RECOVERY',
      root: 'LABEL=COS_SYSTEM',
    },
    {
      name: 'autoreset boots the recovery image',
      cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img kairos.reset',
      state: 'autoreset',
      mode: 'disk',
      steps: DISK_STEPS,
      images: 'LABEL=COS_RECOVERY',
      root: 'LABEL=COS_SYSTEM',
    },
    {
      name: 'live media waits for sysroot and skips OEM',
      cmdline: 'root=live:CDLABEL=COS_LIVE rd.live.dir=/',
      state: 'live',
      mode: 'live',
      steps: ['sentinel', 'wait-sysroot', 'rootfs-stage', 'memory-policy', 'initramfs-stage', 'report'],
    },
    {
      name: 'squashfs recovery is the live plan with OEM',
      cmdline: 'root=live:LABEL=COS_RECOVERY',
      state: 'recovery',
      mode: 'live',
      steps: [
        'sentinel',
        'wait-sysroot',
        'activate-devices',
        'unlock-oem',
        'mount-oem',
        'rootfs-stage',
        'memory-policy',
        'initramfs-stage',
        'report',
      ],
    },
    {
      name: 'disabled immucore only writes the sentinel',
      cmdline: `${ACTIVE} rd.immucore.disable`,
      state: 'active',
      mode: 'live',
      steps: ['sentinel', 'report'],
    },
  ];
  it.each(cases)('$name', ({cmdline, state, mode, steps, images, root}) => {
    const p = plan(cmdline);
    expect(p.state.state).toBe(state);
    expect(p.state.mode).toBe(mode);
    expect(p.steps.map((s) => s.name)).toEqual(steps);
    if (images) expect(stepOf(p, 'mount-state').mounts[0]?.source).toBe(images);
    if (root) expect(stepOf(p, 'mount-root').mounts[0]?.source).toBe(root);
  });

  it('declares the dependencies of SPEC §4', () => {
    const p = plan(ACTIVE);
    const needs = Object.fromEntries(p.steps.map((s) => [s.name, s.needs]));
    expect(needs).toMatchObject({
      sentinel: [],
      'activate-devices': [],
      'mount-tmp': [],
      'mount-state': ['activate-devices'],
      'attach-image': ['mount-state'],
      'mount-root': ['attach-image'],
      'unlock-oem': ['mount-root', 'activate-devices'],
      'mount-oem': ['mount-root', 'activate-devices', 'unlock-oem'],
      'rootfs-stage': ['mount-root', 'mount-oem', 'sentinel'],
      'load-layout': ['rootfs-stage'],
      'mount-overlay-base': ['load-layout'],
      // The persistent mounts wait for the unlock through mount-volumes: kcrypt's had no such need.
      'unlock-volumes': ['load-layout', 'mount-oem', 'activate-devices'],
      'mount-volumes': ['load-layout', 'mount-root', 'activate-devices', 'unlock-volumes'],
      'mount-rw-paths': ['mount-overlay-base', 'mount-volumes'],
      'mount-persistent': ['mount-rw-paths', 'mount-volumes'],
      'link-extensions': ['mount-persistent'],
      'memory-policy': ['mount-persistent'],
      'initramfs-stage': ['write-fstab', 'memory-policy', 'link-extensions'],
    });
    expect(needs['write-fstab']).toEqual(
      expect.arrayContaining([
        'mount-tmp',
        'mount-state',
        'mount-root',
        'mount-oem',
        'mount-overlay-base',
        'mount-rw-paths',
        'mount-persistent',
      ]),
    );
    expect(needs.report).toEqual(DISK_STEPS.slice(0, -1));
    expect(p.steps.filter((s) => s.policy === 'fatal').map((s) => s.name)).toEqual([
      'mount-state',
      'attach-image',
      'mount-root',
    ]);
    expect(p.image).toBe('/run/initramfs/cos-state/cOS/active.img');
    expect(p.problems).toEqual([]);
  });

  it('mounts the root read-write only with debugrw', () => {
    expect(stepOf(plan(ACTIVE), 'mount-root').mounts[0]?.options).toEqual(['ro']);
    expect(stepOf(plan(`${ACTIVE} rd.immucore.debugrw`), 'mount-root').mounts[0]?.options).toEqual(['rw']);
  });

  it('makes one overlay per RW path and one bind per persistent path, named as SPEC §5', () => {
    const p = plan(
      ACTIVE,
      'RW_PATHS="/var /etc"\nPERSISTENT_STATE_PATHS="/etc/ssh /var/lib/x"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\nOVERLAY=tmpfs:25%\n',
    );
    expect(stepOf(p, 'mount-overlay-base').mounts).toEqual([
      {source: 'tmpfs', target: '/run/overlay', fstype: 'tmpfs', options: ['rw', 'size=25%']},
    ]);
    expect(stepOf(p, 'mount-rw-paths').mounts.map((m) => m.target)).toEqual(['/sysroot/etc', '/sysroot/var']);
    expect(stepOf(p, 'mount-volumes').mounts).toEqual([
      {source: 'LABEL=COS_PERSISTENT', target: '/sysroot/usr/local', fstype: 'auto', options: ['rw']},
    ]);
    expect(stepOf(p, 'mount-persistent').mounts.map((m) => [m.source, m.target])).toEqual([
      ['/sysroot/usr/local/.state/etc-ssh.bind', '/sysroot/etc/ssh'],
      ['/sysroot/usr/local/.state/var-lib-x.bind', '/sysroot/var/lib/x'],
    ]);
  });

  it('uses a device as overlay backing', () => {
    const p = plan(`${ACTIVE} rd.immucore.overlay=LABEL=OVL`);
    expect(stepOf(p, 'mount-overlay-base').mounts).toEqual([
      {source: 'LABEL=OVL', target: '/run/overlay', fstype: 'auto', options: ['rw']},
    ]);
  });

  const invalid = [
    {
      name: 'no boot state',
      cmdline: 'quiet cos-img/filename=/cOS/active.img',
      input: 'quiet cos-img/filename=/cOS/active.img',
      error: /no boot state/,
      hint: /root=LABEL=COS_ACTIVE/,
    },
    {
      name: 'no image file',
      cmdline: 'root=LABEL=COS_PASSIVE',
      input: 'root=LABEL=COS_PASSIVE',
      error: /cos-img\/filename/,
      hint: /cos-img\/filename=\/cOS\/passive.img/,
    },
  ];
  it.each(invalid)('reports $name', ({cmdline, input, error, hint}) => {
    const problems = plan(cmdline).problems.filter((p) => p.level === 'error');
    expect(problems).toContainEqual(
      expect.objectContaining({
        input,
        message: expect.stringMatching(error),
        hint: expect.stringMatching(hint),
      }),
    );
  });

  it('carries cmdline problems into the plan', () => {
    const p = plan(`${ACTIVE} rd.immucore.overlay=tmpfs:lots`);
    expect(p.problems).toContainEqual(
      expect.objectContaining({level: 'error', input: 'rd.immucore.overlay=tmpfs:lots'}),
    );
  });
});

describe('planRwOverlay', () => {
  it('puts upper and work under /run/overlay/<name>/.overlay', () => {
    expect(overlayMountSpec(planRwOverlay('/var/lib'))).toEqual({
      source: 'overlay',
      target: '/sysroot/var/lib',
      fstype: 'overlay',
      options: [
        'lowerdir=/sysroot/var/lib',
        'upperdir=/run/overlay/var-lib/.overlay/upper',
        'workdir=/run/overlay/var-lib/.overlay/work',
      ],
    });
  });
});

describe('persistent paths', () => {
  const persistent = (bind: boolean) =>
    planMounts(parseCmdline(ACTIVE), {
      layout: `PERSISTENT_STATE_PATHS=/etc/ssh\nPERSISTENT_STATE_BIND=${bind}\nVOLUMES=LABEL=COS_PERSISTENT:/usr/local\n`,
    }).persistent.map(persistentMountSpec);
  it('binds the state dir in bind mode', () => {
    expect(persistent(true)).toEqual([
      {
        source: '/sysroot/usr/local/.state/etc-ssh.bind',
        target: '/sysroot/etc/ssh',
        fstype: 'none',
        options: ['bind'],
      },
    ]);
  });
  it('uses the state dir as upper layer in overlay mode', () => {
    expect(persistent(false)[0]?.options).toEqual([
      'lowerdir=/sysroot/etc/ssh',
      'upperdir=/sysroot/usr/local/.state/etc-ssh.overlay/upper',
      'workdir=/sysroot/usr/local/.state/etc-ssh.overlay/work',
    ]);
  });
});
