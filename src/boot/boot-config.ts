// The kernel command line as typed, validated data (SPEC §2). Built by parseCmdline in cmdline.ts;
// every later decision reads this, never the raw text (except boot-state detection, which by
// contract matches on the raw cmdline).
import type {Problem} from './problem.ts';
import type {OverlayBase, Volume} from './volume.ts';

export type FsckMode = 'auto' | 'skip' | 'force';
export type FsckRepair = 'preen' | 'yes' | 'no';

/** A dot-notation cloud-config token, e.g. `stages.initramfs[0].commands[0]=echo hi`, kept raw. */
export interface DotPair {
  key: string;
  value: string;
}

export interface BootConfig {
  /** The cmdline text as read. */
  raw: string;
  /** `cos-img/filename=`: image file relative to the images partition, e.g. `/cOS/active.img`. */
  imageFile?: string;
  /** `root=` as given by the boot loader, e.g. `LABEL=COS_ACTIVE`. */
  root?: string;
  /** `rd.immucore.overlay`, default tmpfs:20%. */
  overlay: OverlayBase;
  /** `rd.immucore.mount`, in cmdline order, one per mountpoint (later wins). */
  mounts: Volume[];
  /** `rd.immucore.oemlabel`; undefined means: COS_OEM if such a filesystem exists. */
  oemLabel?: string;
  oemTimeoutSec: number;
  devTimeoutSec: number;
  volumeTimeoutSec: number;
  sysrootWaitSec: number;
  debugRw: boolean;
  disable: boolean;
  debug: boolean;
  rebootOnFailure: boolean;
  /**
   * dracut's `rd.shell` (`rdshell`): false for `rd.shell=0|no|off`, true for any other value or a
   * bare flag, and for any `rd.break`; undefined when absent (dracut then opens the shell).
   */
  shell?: boolean;
  /** dracut's `rd.emergency=reboot|poweroff|halt`: what it does on failure without a shell. */
  emergency?: string;
  /** `rd.immucore.break`: step names to stop before, with a shell. */
  breakBefore: string[];
  /** `live:LABEL=…` / `live:CDLABEL=…` value (after `live:`), if any. */
  live?: string;
  netboot: boolean;
  fsck: {mode: FsckMode; repair: FsckRepair};
  /** dracut's `rd.lvm=0` / `rd.md=0` turn off activating LVM volume groups / assembling md arrays. */
  activate: {lvm: boolean; md: boolean};
  /** `console=` devices without options (`ttyS0,115200` → `ttyS0`), in order. */
  consoles: string[];
  /** `kairos.config_url=` (or legacy `cos.setup=`). */
  configUrl?: string;
  /** `rd.immucore.memory=<preset|off>` (the memory issue validates the preset name). */
  memory?: string;
  dotNotation: DotPair[];
  problems: Problem[];
}

export const BOOT_DEFAULTS = {
  oemTimeoutSec: 5,
  devTimeoutSec: 60,
  volumeTimeoutSec: 10,
  sysrootWaitSec: 120,
} as const;
