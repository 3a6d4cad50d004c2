// Phase one of the boot plan (SPEC §4): from the cmdline alone, the boot state, the graph of steps
// and the mounts known before the root is up (tmp, images partition, root, OEM). Phase two, the
// layout's mounts, is planned once by load-layout (mount-plan.ts), after the rootfs stage has had
// its chance to write the layout file. Pure: the runner executes it, `immucore plan` prints it.
import type {BootConfig} from './boot-config.ts';
import {DISK_GRAPH, type GraphStep, LIVE_GRAPH, reportStep, type StepName} from './graph.ts';
import {error, type Problem} from './problem.ts';
import {type BootState, decideBootState} from './state.ts';

export type {StepName, StepPolicy} from './graph.ts';
export type PlanStep = GraphStep;

export const STATE_DIR = '/run/initramfs/cos-state';
export const OVERLAY_DIR = '/run/overlay';
export const SYSROOT = '/sysroot';

/** A filesystem found by label or UUID (or a /dev path), mounted once it appears. */
export interface DeviceMount {
  /** `LABEL=COS_STATE`, `UUID=…`, `/dev/vda2`: kept as written, for fstab and the report. */
  source: string;
  target: string;
  readOnly: boolean;
}

/** What phase one already knows to mount; undefined where this plan has no such step. */
export interface EarlyMounts {
  tmp?: {target: string; options: string[]};
  state?: DeviceMount;
  /** The root image's filesystem; its device is the loop device attach-image makes. */
  root?: DeviceMount;
  oem?: DeviceMount;
}

export interface BootPlan {
  state: BootState;
  config: BootConfig;
  /** `/run/initramfs/cos-state/cOS/active.img`, for a disk boot. */
  image?: string;
  /** The graph: fixed for the whole run, whatever the layout file says later. */
  steps: PlanStep[];
  mounts: EarlyMounts;
  /** Cmdline problems, then the plan's own. The layout's come with the mount plan. */
  problems: Problem[];
}

/** Plan the boot for a cmdline (phase one). */
export function planBoot(config: BootConfig): BootPlan {
  const state = decideBootState(config);
  if (state.mode === 'live') return planLive(config, state);
  const readOnly = !config.debugRw;
  return {
    state,
    config,
    image: config.imageFile && `${STATE_DIR}${config.imageFile}`,
    steps: withReport(DISK_GRAPH),
    mounts: {
      tmp: {target: '/tmp', options: ['rw', 'nosuid', 'nodev']},
      state: {source: `LABEL=${state.imagesLabel ?? 'COS_STATE'}`, target: STATE_DIR, readOnly},
      root: {source: `LABEL=${state.rootLabel ?? 'COS_ACTIVE'}`, target: SYSROOT, readOnly},
      oem: oemMount(config),
    },
    problems: [...config.problems, ...diskProblems(config, state)],
  };
}

function planLive(config: BootConfig, state: BootState): BootPlan {
  // rd.immucore.disable means: write the sentinel and nothing else (live media, debugging).
  const oem = !config.disable && state.state !== 'live';
  // Only unlock-oem/mount-oem wait for a device in the live plan: without OEM, nothing needs activating.
  const keep = (name: StepName) =>
    config.disable
      ? name === 'sentinel'
      : oem || (name !== 'unlock-oem' && name !== 'mount-oem' && name !== 'activate-devices');
  const steps = LIVE_GRAPH.filter((s) => keep(s.name)).map((s) => ({...s, needs: s.needs.filter(keep)}));
  return {
    state,
    config,
    steps: withReport(steps),
    mounts: oem ? {oem: oemMount(config)} : {},
    problems: [...config.problems],
  };
}

/** The OEM partition at /sysroot/oem, mounted by mount-oem before the rootfs stage reads it. */
export function oemMount(config: Pick<BootConfig, 'oemLabel'>): DeviceMount {
  return {source: `LABEL=${config.oemLabel ?? 'COS_OEM'}`, target: `${SYSROOT}/oem`, readOnly: false};
}

function withReport(steps: readonly GraphStep[]): PlanStep[] {
  return [...steps, reportStep(steps)];
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
