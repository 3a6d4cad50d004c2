// Phase two of the boot plan (SPEC §5): once the layout is known, every mount of the layout as a
// typed item, made once by load-layout. Steps read these items as they are; nothing downstream
// strips prefixes, parses option strings or re-sorts.
import type {BootConfig} from './boot-config.ts';
import {decideLayout, type Layout, type LayoutFiles} from './layout.ts';
import {bindDirName, compareMountOrder, overlayName} from './names.ts';
import {OVERLAY_DIR, oemMount, SYSROOT} from './plan.ts';
import {type Problem, warning} from './problem.ts';

/** The backing of the writable layer at /run/overlay. */
export type OverlayBacking =
  | {kind: 'tmpfs'; size: string; target: string}
  | {kind: 'device'; device: string; target: string};

/** A volume (VOLUMES, rd.immucore.mount), read-write. */
export interface VolumeMount {
  /** `LABEL=x`, `UUID=x` or `/dev/x`, as written. */
  device: string;
  /** In the booted system: `/usr/local`. */
  path: string;
  /** Where immucore mounts it: `/sysroot/usr/local`. */
  target: string;
}

/** An ephemeral overlay over a path of the read-only image; writes land in the overlay backing. */
export interface RwOverlay {
  path: string;
  target: string;
  lower: string;
  upper: string;
  work: string;
}

/** A persistent path: its state dir bound over it, or used as the upper layer of an overlay. */
export type PersistentPath =
  | {mode: 'bind'; path: string; target: string; stateDir: string}
  | {
      mode: 'overlay';
      path: string;
      target: string;
      stateDir: string;
      lower: string;
      upper: string;
      work: string;
    };

export interface MountPlan {
  layout: Layout;
  overlay: OverlayBacking;
  /** In mount order: parents first. */
  volumes: VolumeMount[];
  /** In mount order. */
  rwOverlays: RwOverlay[];
  /** In mount order. */
  persistent: PersistentPath[];
  /** Where the persistent state dirs live: `/sysroot/usr/local/.state`. */
  stateTarget: string;
  /** The layout's errors and warnings. */
  problems: Problem[];
  /** Which layout files there were, for the log. */
  files: {layout: boolean; extra: boolean};
}

/** Plan the layout's mounts from the layout files (phase two); a missing file means defaults. */
export function planMounts(config: BootConfig, files: LayoutFiles): MountPlan {
  const decided = decideLayout(config, files);
  const layout = decided.value;
  const oem = oemMount(config);
  const stateTarget = `${SYSROOT}${layout.persistentTarget}`;
  return {
    layout,
    overlay:
      layout.overlay.kind === 'tmpfs'
        ? {kind: 'tmpfs', size: layout.overlay.size, target: OVERLAY_DIR}
        : {kind: 'device', device: layout.overlay.device, target: OVERLAY_DIR},
    volumes: layout.volumes
      .map((v) => ({device: v.device, path: v.mountpoint, target: `${SYSROOT}${v.mountpoint}`}))
      .filter((v) => !isOemVolume(v, oem))
      .sort((a, b) => compareMountOrder(a.path, b.path)),
    rwOverlays: layout.rwPaths.map(planRwOverlay),
    persistent: layout.persistentPaths.map((p) => planPersistent(p, stateTarget, layout.persistentBind)),
    stateTarget,
    problems: [...decided.errors, ...decided.warnings, ...oemCovered(layout, oem)],
    files: {layout: files.layout !== undefined, extra: files.extra !== undefined},
  };
}

/**
 * Kairos' stock layout lists `LABEL=COS_OEM:/oem` in VOLUMES, the partition mount-oem has already
 * mounted there for the rootfs stage. Mounting it again from mount-volumes would stack a second
 * mount of it over what the stage wrote and give fstab two lines for /oem: mount-oem owns it.
 */
function isOemVolume(v: VolumeMount, oem: {source: string; target: string}): boolean {
  return v.target === oem.target && v.device === oem.source;
}

/** A different device mounted on /oem hides the OEM partition the rootfs stage has already used. */
function oemCovered(layout: Layout, oem: {source: string; target: string}): Problem[] {
  return layout.volumes
    .filter((v) => `${SYSROOT}${v.mountpoint}` === oem.target && v.device !== oem.source)
    .map((v) =>
      warning(
        `${v.device}:${v.mountpoint}`,
        `Volume ${v.device}:${v.mountpoint} is mounted over the OEM partition ${oem.source}, after the rootfs stage has read and written it there`,
        `Mount ${v.device} elsewhere, or name it as the OEM partition with rd.immucore.oemlabel=.`,
      ),
    );
}

/** `/var/lib` → upper `/run/overlay/var-lib/.overlay/upper` over `/sysroot/var/lib` (SPEC §5). */
export function planRwOverlay(path: string): RwOverlay {
  const dir = `${OVERLAY_DIR}/${overlayName(path)}/.overlay`;
  const target = `${SYSROOT}${path}`;
  return {path, target, lower: target, upper: `${dir}/upper`, work: `${dir}/work`};
}

function planPersistent(path: string, stateTarget: string, bind: boolean): PersistentPath {
  const target = `${SYSROOT}${path}`;
  if (bind) return {mode: 'bind', path, target, stateDir: `${stateTarget}/${bindDirName(path)}`};
  const stateDir = `${stateTarget}/${overlayName(path)}.overlay`;
  return {
    mode: 'overlay',
    path,
    target,
    stateDir,
    lower: target,
    upper: `${stateDir}/upper`,
    work: `${stateDir}/work`,
  };
}
