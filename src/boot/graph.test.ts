// The ordering test of the boot graph (graph.ts): no step writes where a mount it does not wait for
// will land, for the disk plan with the default and the shipped layouts and for the live plan.
import {describe, expect, it} from 'vitest';
import {parseCmdline} from './cmdline.ts';
import {DISK_MOUNTERS, type StepName} from './graph.ts';
import {planMounts} from './mount-plan.ts';
import {describeStepMounts} from './mount-specs.ts';
import {findOrderingHazards, planTransitiveNeeds} from './ordering.ts';
import {type BootPlan, planBoot} from './plan.ts';

const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const PASSIVE = 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img';
const RECOVERY = 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img';
const AUTORESET = 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img kairos.reset';

// The cos-layout.env that overlays/system/oem/05_immucore-layout.yaml writes in the rootfs stage
// (as test/stages/golden/*.env record it).
const KAIROS_PERSISTENT = [
  '/etc/cni /etc/init.d /etc/iscsi /etc/k0s /etc/kubernetes /etc/modprobe.d /etc/pwx /etc/rancher',
  '/etc/runlevels /etc/ssh /etc/ssl/certs /etc/sysconfig /etc/systemd /etc/zfs /home /opt /root',
  '/usr/libexec /var/cores /var/log /var/lib/ca-certificates /var/lib/cni /var/lib/containerd',
  '/var/lib/calico /var/lib/dbus /var/lib/etcd /var/lib/extensions /var/lib/confexts /var/lib/k0s',
  '/var/lib/kubelet /var/lib/longhorn /var/lib/osd /var/lib/rancher /var/lib/rook /var/lib/tailscale',
  '/var/lib/wicked /var/lib/kairos',
].join(' ');
const ACTIVE_LAYOUT = [
  'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
  'OVERLAY="tmpfs:25%"',
  'RW_PATHS="/var /etc /srv"',
  `PERSISTENT_STATE_PATHS="${KAIROS_PERSISTENT}"`,
  '',
].join('\n');
/** With /run/cos/custom-layout.env merged in by the rootfs.after step. */
const ACTIVE_CUSTOM_LAYOUT = `${ACTIVE_LAYOUT}CUSTOM_BIND_MOUNTS="/var/lib/foo /opt/bar"\nCUSTOM_EPHEMERAL_MOUNTS="/var/tmp/x"\n`;
const RECOVERY_LAYOUT = 'OVERLAY="tmpfs:25%"\n';

/** Both phases of the plan for a cmdline and a layout file (undefined: no file, the defaults). */
function plans(cmdline: string, layout?: string) {
  const config = parseCmdline(cmdline);
  return {plan: planBoot(config), mountPlan: planMounts(config, layout === undefined ? {} : {layout})};
}

/** The plan with one step's needs replaced: the graph as it was, or as a careless edit makes it. */
function withNeeds(plan: BootPlan, name: StepName, needs: StepName[]): BootPlan {
  return {...plan, steps: plan.steps.map((s) => (s.name === name ? {...s, needs} : s))};
}

const stepNamed = (plan: BootPlan, name: StepName) => plan.steps.find((s) => s.name === name);

const DISK_CASES = [
  {name: 'active boot, no layout file', cmdline: ACTIVE, layout: undefined},
  {name: 'passive boot, no layout file', cmdline: PASSIVE, layout: undefined},
  {name: 'recovery boot, no layout file', cmdline: RECOVERY, layout: undefined},
  {name: 'active boot, shipped Kairos layout', cmdline: ACTIVE, layout: ACTIVE_LAYOUT},
  {name: 'passive boot, shipped Kairos layout', cmdline: PASSIVE, layout: ACTIVE_LAYOUT},
  {name: 'active boot, Kairos layout with custom paths', cmdline: ACTIVE, layout: ACTIVE_CUSTOM_LAYOUT},
  {name: 'recovery boot, shipped recovery layout', cmdline: RECOVERY, layout: RECOVERY_LAYOUT},
  {name: 'autoreset boot, shipped recovery layout', cmdline: AUTORESET, layout: RECOVERY_LAYOUT},
];

describe('findOrderingHazards', () => {
  const safe = [
    ...DISK_CASES.map((c) => ({...c, mode: 'disk'})),
    {
      name: 'live media',
      cmdline: 'root=live:CDLABEL=COS_LIVE rd.live.dir=/',
      layout: undefined,
      mode: 'live',
    },
    {
      name: 'squashfs recovery (live plan with OEM)',
      cmdline: 'root=live:LABEL=COS_RECOVERY',
      layout: undefined,
      mode: 'live',
    },
    {
      name: 'disabled disk boot (live plan, sentinel only)',
      cmdline: `${ACTIVE} rd.immucore.disable`,
      layout: undefined,
      mode: 'live',
    },
  ];
  it.each(safe)('$name has no hazards', ({cmdline, layout, mode}) => {
    const {plan, mountPlan} = plans(cmdline, layout);
    expect(plan.state.mode).toBe(mode);
    expect(mountPlan.problems.filter((p) => p.level === 'error')).toEqual([]);
    expect(findOrderingHazards(plan, mountPlan)).toEqual([]);
  });

  it('finds the memory policy written under /etc/systemd before it is bound (the graph as it was)', () => {
    const {plan, mountPlan} = plans(ACTIVE, ACTIVE_LAYOUT);
    const before = withNeeds(plan, 'memory-policy', ['mount-rw-paths']);
    expect(findOrderingHazards(before, mountPlan)).toEqual([
      {
        writer: 'memory-policy',
        write: '/sysroot/etc/systemd/system',
        mounter: 'mount-persistent',
        target: '/sysroot/etc/systemd',
      },
    ]);
  });

  it('finds the state dirs written before their volume is mounted ({persistentTarget} expanded)', () => {
    const {plan, mountPlan} = plans(ACTIVE, ACTIVE_LAYOUT);
    const early = withNeeds(plan, 'mount-persistent', ['mount-rw-paths']);
    // mount-rw-paths still waits for the volumes, so only a graph without that edge shows it.
    const hazards = findOrderingHazards(
      withNeeds(early, 'mount-rw-paths', ['mount-overlay-base']),
      mountPlan,
    );
    expect(hazards).toEqual([
      {
        writer: 'mount-persistent',
        write: '/sysroot/usr/local/.state',
        mounter: 'mount-volumes',
        target: '/sysroot/usr/local',
      },
    ]);
  });

  it('sees no mount hazard when initramfs-stage needs only write-fstab', () => {
    // write-fstab waits for every mounter, so the stage's write to /sysroot is safe from mounts;
    // memory-policy and link-extensions mount nothing, so this check cannot see that the stage
    // would then race them (a write/write ordering, outside what findOrderingHazards looks at).
    const {plan, mountPlan} = plans(ACTIVE, ACTIVE_LAYOUT);
    expect(findOrderingHazards(withNeeds(plan, 'initramfs-stage', ['write-fstab']), mountPlan)).toEqual([]);
  });

  it("leaves Kairos' LABEL=COS_OEM:/oem volume to mount-oem, so nothing covers the stage's /oem", () => {
    // Kairos's own layout lists LABEL=COS_OEM:/oem in VOLUMES; mount-oem mounted it before the
    // rootfs stage wrote there, and the mount plan does not mount it a second time over that.
    const layout = ACTIVE_LAYOUT.replace(
      'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
      'VOLUMES="LABEL=COS_OEM:/oem LABEL=COS_PERSISTENT:/usr/local"',
    );
    const {plan, mountPlan} = plans(ACTIVE, layout);
    expect(mountPlan.volumes.map((v) => v.device)).toEqual(['LABEL=COS_PERSISTENT']);
    expect(findOrderingHazards(plan, mountPlan)).toEqual([]);
  });

  it('finds the rootfs stage writes to /oem covered by another device mounted on /oem', () => {
    const layout = ACTIVE_LAYOUT.replace(
      'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
      'VOLUMES="LABEL=OTHER_OEM:/oem LABEL=COS_PERSISTENT:/usr/local"',
    );
    const {plan, mountPlan} = plans(ACTIVE, layout);
    expect(findOrderingHazards(plan, mountPlan)).toEqual([
      {writer: 'rootfs-stage', write: '/sysroot/oem', mounter: 'mount-volumes', target: '/sysroot/oem'},
    ]);
    // The layout is the user's to fix: it is warned about, by name.
    expect(mountPlan.problems).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        input: 'LABEL=OTHER_OEM:/oem',
        hint: expect.stringMatching(/oemlabel/),
      }),
    );
  });
});

describe('planTransitiveNeeds', () => {
  it('follows needs through other steps', () => {
    const needs = planTransitiveNeeds(plans(ACTIVE).plan);
    expect([...(needs.get('mount-root') ?? [])].sort()).toEqual([
      'activate-devices',
      'attach-image',
      'mount-state',
    ]);
    expect(needs.get('initramfs-stage')).toContain('mount-state');
    expect(needs.get('sentinel')?.size).toBe(0);
  });
});

describe('DISK_GRAPH', () => {
  it.each(DISK_CASES)('write-fstab waits for every mounting step: $name', ({cmdline, layout}) => {
    const {plan, mountPlan} = plans(cmdline, layout);
    const mounters = Object.keys(describeStepMounts(plan, mountPlan));
    expect(mounters.length).toBeGreaterThan(0);
    expect(stepNamed(plan, 'write-fstab')?.needs).toEqual(
      expect.arrayContaining([...mounters, ...DISK_MOUNTERS]),
    );
  });
});

describe('activate-devices', () => {
  // The steps that wait for a device by label or UUID: LVM and md must be active before them,
  // since dracut's initqueue (which would activate them) runs after immucore on a disk boot.
  const WAITERS: StepName[] = ['mount-state', 'mount-oem', 'mount-volumes'];
  const cases = [
    {name: 'active boot', cmdline: ACTIVE},
    {name: 'recovery boot', cmdline: RECOVERY},
    {name: 'squashfs recovery (live plan with OEM)', cmdline: 'root=live:LABEL=COS_RECOVERY'},
  ];
  it.each(cases)('comes before every step that waits for a device: $name', ({cmdline}) => {
    const {plan} = plans(cmdline);
    const needs = planTransitiveNeeds(plan);
    const waiters = plan.steps.filter((s) => WAITERS.includes(s.name)).map((s) => s.name);
    expect(waiters.length).toBeGreaterThan(0);
    for (const w of waiters) expect(needs.get(w), w).toContain('activate-devices');
  });

  it('is left out where nothing waits for a device (live media without OEM)', () => {
    const {plan} = plans('root=live:CDLABEL=COS_LIVE rd.live.dir=/');
    expect(plan.steps.map((s) => s.name)).not.toContain('activate-devices');
  });
});
