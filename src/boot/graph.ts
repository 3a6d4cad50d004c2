// The boot graph as data (SPEC §4), declared once: every step of the disk plan and of the live plan,
// what it needs, its failure policy and the paths it writes. The plan picks one of the two tables;
// src/steps/boot-steps.ts gives each name its implementation; the ordering test checks the declared
// writes against the mounts of the typed plan, so a step never writes where a mount it does not
// wait for will land.

export type StepName =
  | 'sentinel'
  | 'activate-devices'
  | 'mount-tmp'
  | 'mount-state'
  | 'attach-image'
  | 'mount-root'
  | 'mount-oem'
  | 'unlock-oem'
  | 'unlock-volumes'
  | 'rootfs-stage'
  | 'load-layout'
  | 'mount-overlay-base'
  | 'mount-volumes'
  | 'mount-rw-paths'
  | 'mount-persistent'
  | 'link-extensions'
  | 'memory-policy'
  | 'write-fstab'
  | 'initramfs-stage'
  | 'wait-sysroot'
  | 'report';

export type StepPolicy = 'fatal' | 'degrade';

export interface GraphStep {
  name: StepName;
  needs: StepName[];
  /** fatal: the system cannot boot without it (SPEC §9); degrade: the boot goes on without it. */
  policy: StepPolicy;
  /** Runs after the others settle, whatever happened (the report). */
  always?: boolean;
  /**
   * Where the step writes files or makes directories (immucore paths), other than below its own
   * mounts. `{persistentTarget}` stands for the layout's PERSISTENT_STATE_TARGET under /sysroot.
   */
  writes: string[];
}

export const PERSISTENT_TARGET_SLOT = '{persistentTarget}';

const step = (
  name: StepName,
  needs: StepName[],
  writes: string[] = [],
  policy: StepPolicy = 'degrade',
): GraphStep => ({name, needs, policy, writes});

/** Every step that may mount in a disk boot: the graph is fixed before the layout is known. */
export const DISK_MOUNTERS: StepName[] = [
  'mount-tmp',
  'mount-state',
  'mount-root',
  'mount-oem',
  'mount-overlay-base',
  'mount-volumes',
  'mount-rw-paths',
  'mount-persistent',
];

// immucore runs before dracut-initqueue.service, where dracut would activate LVM and assemble md
// arrays: every step that waits for a device by label needs activate-devices, or a COS_* filesystem
// on a logical volume or an array never appears. It degrades: a disk without either goes on.
const ACTIVATION_WRITES = ['/run/lvm', '/run/mdadm'];

export const DISK_GRAPH: readonly GraphStep[] = [
  step('sentinel', [], ['/run/cos']),
  step('activate-devices', [], ACTIVATION_WRITES),
  step('mount-tmp', []),
  step('mount-state', ['activate-devices'], [], 'fatal'),
  step('attach-image', ['mount-state'], [], 'fatal'),
  step('mount-root', ['attach-image'], [], 'fatal'),
  // Encrypted volumes (SPEC §5): OEM's container opens with the cmdline's kcrypt config before
  // mount-oem waits for its label; the volumes' (COS_PERSISTENT) after OEM, whose config names the
  // key server, and before mount-volumes, which mounts /dev/mapper/<name>. After mount-root: the
  // image's kcrypt-discovery-* plugins live in /sysroot/system/discovery.
  step('unlock-oem', ['mount-root', 'activate-devices'], ['/run/immucore']),
  step('mount-oem', ['mount-root', 'activate-devices', 'unlock-oem']),
  // The rootfs stage writes the layout under /run/cos and may write to /oem (→ /sysroot/oem).
  step('rootfs-stage', ['mount-root', 'mount-oem', 'sentinel'], ['/run/cos', '/sysroot/oem']),
  step('load-layout', ['rootfs-stage']),
  step('mount-overlay-base', ['load-layout']),
  step('unlock-volumes', ['load-layout', 'mount-oem', 'activate-devices'], ['/run/immucore']),
  step('mount-volumes', ['load-layout', 'mount-root', 'activate-devices', 'unlock-volumes']),
  // Overlays wait for the volumes: an RW path may lie below a volume that the layout file (read
  // mid-boot) names, and the overlay must land on the volume, not under it. This costs no boot
  // time: mount-persistent and write-fstab wait for the volumes anyway.
  step('mount-rw-paths', ['mount-overlay-base', 'mount-volumes'], ['/run/overlay']),
  step('mount-persistent', ['mount-rw-paths', 'mount-volumes'], [PERSISTENT_TARGET_SLOT]),
  step('link-extensions', ['mount-persistent'], ['/run/extensions', '/run/confexts']),
  // After mount-persistent: it writes under /etc/systemd, which the Kairos layout binds from
  // COS_PERSISTENT; before, the write would land under the bind or over it depending on timing.
  step('memory-policy', ['mount-persistent'], ['/sysroot/etc/nohang', '/sysroot/etc/systemd/system']),
  step('write-fstab', DISK_MOUNTERS, ['/sysroot/etc/fstab']),
  // The stage sees the finished root: every mount, the fstab, the memory policy and the links.
  step('initramfs-stage', ['write-fstab', 'memory-policy', 'link-extensions'], ['/sysroot']),
];

export const LIVE_GRAPH: readonly GraphStep[] = [
  step('sentinel', [], ['/run/cos']),
  step('wait-sysroot', [], [], 'fatal'),
  // dracut has run its initqueue by now, but activates LVM and md only when the cmdline names them
  // (rd.lvm.lv=, rd.md.uuid=, rd.auto): COS_OEM on either still needs this.
  step('activate-devices', [], ACTIVATION_WRITES),
  // An encrypted OEM (a squashfs recovery of an encrypted install) opens as in the disk plan:
  // with the cmdline's kcrypt config, the plugins of the live root in /sysroot/system/discovery.
  step('unlock-oem', ['wait-sysroot', 'activate-devices'], ['/run/immucore']),
  step('mount-oem', ['wait-sysroot', 'activate-devices', 'unlock-oem']),
  step('rootfs-stage', ['wait-sysroot', 'mount-oem', 'sentinel'], ['/run/cos', '/sysroot/oem']),
  // SPEC §10 gives live and recovery media the recovery memory policy, so the step the §4 live
  // plan leaves out is here; after the rootfs stage, which may set memory_policy.
  step('memory-policy', ['rootfs-stage'], ['/sysroot/etc/nohang', '/sysroot/etc/systemd/system']),
  step('initramfs-stage', ['rootfs-stage', 'memory-policy'], ['/sysroot']),
];

/** The report step: after every other step, whatever happened to them. */
export function reportStep(steps: readonly GraphStep[]): GraphStep {
  return {
    name: 'report',
    needs: steps.map((s) => s.name),
    policy: 'degrade',
    always: true,
    writes: ['/run/immucore'],
  };
}

/** Every step name a boot may run: what `rd.immucore.break=` may name. */
export const STEP_NAMES: readonly StepName[] = [
  ...new Set([...DISK_GRAPH, ...LIVE_GRAPH].map((s) => s.name)),
  'report',
];
