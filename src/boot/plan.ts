// The boot as a plan (SPEC §4): which steps run, what each needs, what it mounts. Pure: the DAG
// runner executes it, the `plan` command prints it, the report records it.
import type {BootConfig} from './boot-config.ts';
import {decideLayout, type Layout} from './layout.ts';
import type {MountSpec} from './mount-spec.ts';
import {bindDirName, overlayName} from './names.ts';
import {error, listProblems, type Problem, type Validated} from './problem.ts';
import {type BootState, decideBootState} from './state.ts';

export type StepPolicy = 'fatal' | 'degrade';

export interface PlanStep {
  name: string;
  needs: string[];
  /** fatal: the system cannot boot without it (SPEC §9); degrade: the boot goes on without it. */
  policy: StepPolicy;
  /** Runs after the others settle, whatever happened (the report). */
  always?: boolean;
  mounts: MountSpec[];
}

export interface BootPlan {
  state: BootState;
  config: BootConfig;
  /** The mount layout, for a disk boot. */
  layout?: Layout;
  /** `/run/initramfs/cos-state/cOS/active.img`, for a disk boot. */
  image?: string;
  steps: PlanStep[];
  /** Cmdline problems, then layout problems, then the plan's own. */
  problems: Problem[];
}

export const STATE_DIR = '/run/initramfs/cos-state';
export const OVERLAY_DIR = '/run/overlay';
export const SYSROOT = '/sysroot';

/** Plan the boot for a cmdline and, for a disk boot, a layout (defaults when not given). */
export function planBoot(config: BootConfig, layout?: Validated<Layout>): BootPlan {
  const state = decideBootState(config);
  if (state.mode === 'live') return planLive(config, state);
  const decided = layout ?? decideLayout(config, {});
  const problems = [...config.problems, ...listProblems(decided), ...diskProblems(config, state)];
  const image = config.imageFile && `${STATE_DIR}${config.imageFile}`;
  return {
    state,
    config,
    layout: decided.value,
    image,
    steps: diskSteps(config, state, decided.value),
    problems,
  };
}

function diskSteps(config: BootConfig, state: BootState, layout: Layout): PlanStep[] {
  const rw = config.debugRw ? 'rw' : 'ro';
  const step = (name: string, needs: string[], mounts: MountSpec[] = [], policy: StepPolicy = 'degrade') =>
    ({name, needs, policy, mounts}) satisfies PlanStep;
  const steps: PlanStep[] = [
    step('sentinel', []),
    step(
      'mount-tmp',
      [],
      [{source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', options: ['rw', 'nosuid', 'nodev']}],
    ),
    step('mount-state', [], [mountOf(`LABEL=${state.imagesLabel ?? 'COS_STATE'}`, STATE_DIR, [rw])], 'fatal'),
    step('attach-image', ['mount-state'], [], 'fatal'),
    step(
      'mount-root',
      ['attach-image'],
      [mountOf(`LABEL=${state.rootLabel ?? 'COS_ACTIVE'}`, SYSROOT, [rw])],
      'fatal',
    ),
    step(
      'mount-oem',
      ['mount-root'],
      [mountOf(`LABEL=${config.oemLabel ?? 'COS_OEM'}`, `${SYSROOT}/oem`, ['rw'])],
    ),
    step('rootfs-stage', ['mount-root', 'mount-oem', 'sentinel']),
    step('load-layout', ['rootfs-stage']),
    step('mount-overlay-base', ['load-layout'], [overlayBaseMount(layout)]),
    step(
      'mount-volumes',
      ['load-layout', 'mount-root'],
      layout.volumes.map((v) => mountOf(v.device, `${SYSROOT}${v.mountpoint}`, ['rw'])),
    ),
    // Overlays wait for the volumes: an RW path may lie below a volume that the layout file (read
    // mid-boot) names, and the overlay must land on the volume, not under it. This costs no boot
    // time: mount-persistent and write-fstab wait for the volumes anyway.
    step('mount-rw-paths', ['mount-overlay-base', 'mount-volumes'], layout.rwPaths.map(rwOverlay)),
    step(
      'mount-persistent',
      ['mount-rw-paths', 'mount-volumes'],
      layout.persistentPaths.map((p) => persistentMount(layout, p)),
    ),
    step('link-extensions', ['mount-persistent']),
    step('memory-policy', ['mount-rw-paths']),
  ];
  // Every step that may mount, whether or not the layout known now gives it mounts: the graph is
  // fixed before load-layout, which may add volumes and persistent paths.
  const mounting = steps.filter((s) => s.name.startsWith('mount-')).map((s) => s.name);
  steps.push(step('write-fstab', mounting), step('initramfs-stage', ['write-fstab']));
  return withReport(steps);
}

function planLive(config: BootConfig, state: BootState): BootPlan {
  const steps: PlanStep[] = [{name: 'sentinel', needs: [], policy: 'degrade', mounts: []}];
  // rd.immucore.disable means: write the sentinel and nothing else (live media, debugging).
  if (!config.disable) {
    const oem = state.state !== 'live';
    steps.push({name: 'wait-sysroot', needs: [], policy: 'fatal', mounts: []});
    if (oem)
      steps.push({
        name: 'mount-oem',
        needs: ['wait-sysroot'],
        policy: 'degrade',
        mounts: [mountOf(`LABEL=${config.oemLabel ?? 'COS_OEM'}`, `${SYSROOT}/oem`, ['rw'])],
      });
    steps.push(
      {
        name: 'rootfs-stage',
        needs: ['wait-sysroot', ...(oem ? ['mount-oem'] : []), 'sentinel'],
        policy: 'degrade',
        mounts: [],
      },
      {name: 'initramfs-stage', needs: ['rootfs-stage'], policy: 'degrade', mounts: []},
      // SPEC §10 gives live and recovery media the recovery memory policy, so the step the §4 live
      // plan leaves out is here; after the rootfs stage, which may set memory_policy.
      {name: 'memory-policy', needs: ['rootfs-stage'], policy: 'degrade', mounts: []},
    );
  }
  return {state, config, steps: withReport(steps), problems: [...config.problems]};
}

function withReport(steps: PlanStep[]): PlanStep[] {
  return [
    ...steps,
    {name: 'report', needs: steps.map((s) => s.name), policy: 'degrade', always: true, mounts: []},
  ];
}

function mountOf(source: string, target: string, options: string[]): MountSpec {
  return {source, target, fstype: 'auto', options};
}

function overlayBaseMount(layout: Layout): MountSpec {
  if (layout.overlay.kind === 'device') return mountOf(layout.overlay.device, OVERLAY_DIR, ['rw']);
  return {
    source: 'tmpfs',
    target: OVERLAY_DIR,
    fstype: 'tmpfs',
    options: ['rw', `size=${layout.overlay.size}`],
  };
}

/** An ephemeral overlay: writes land in /run/overlay/<name>/.overlay/upper (SPEC §5). */
export function rwOverlay(path: string): MountSpec {
  const dir = `${OVERLAY_DIR}/${overlayName(path)}/.overlay`;
  const target = `${SYSROOT}${path}`;
  return {
    source: 'overlay',
    target,
    fstype: 'overlay',
    options: [`lowerdir=${target}`, `upperdir=${dir}/upper`, `workdir=${dir}/work`],
  };
}

/** A persistent path: a bind of its state dir, or an overlay with the state dir as upper layer. */
export function persistentMount(layout: Layout, path: string): MountSpec {
  const target = `${SYSROOT}${path}`;
  const state = `${SYSROOT}${layout.persistentTarget}`;
  if (layout.persistentBind)
    return {source: `${state}/${bindDirName(path)}`, target, fstype: 'none', options: ['bind']};
  const dir = `${state}/${overlayName(path)}.overlay`;
  return {
    source: 'overlay',
    target,
    fstype: 'overlay',
    options: [`lowerdir=${target}`, `upperdir=${dir}/upper`, `workdir=${dir}/work`],
  };
}

function diskProblems(config: BootConfig, state: BootState): Problem[] {
  const problems: Problem[] = [];
  const tokens = config.raw.split(/\s+/).filter(Boolean);
  const rootToken = tokens.find((t) => t.startsWith('root='));
  if (state.state === 'unknown') {
    problems.push(
      error(
        rootToken ?? config.raw.trim(),
        'The command line names no boot state (no COS_ACTIVE, COS_PASSIVE, COS_SYSTEM/COS_RECOVERY, kairos.reset or live token), so there is no root image to mount',
        "Boot through the image's boot loader entry, or add root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img (or PASSIVE / SYSTEM).",
      ),
    );
  }
  if (!config.imageFile) {
    problems.push(
      error(
        rootToken ?? config.raw.trim(),
        'A disk boot needs the image file, but the command line has no cos-img/filename=',
        `Add cos-img/filename=/cOS/${state.state === 'passive' ? 'passive' : state.state === 'active' ? 'active' : 'recovery'}.img to the kernel command line.`,
      ),
    );
  }
  return problems;
}
