// Cmdlines the boot-mode rule must get right, shared by boot-mode.test.ts (the TypeScript) and
// generator-script.test.ts (the rendered dracut generator, run with sh and busybox sh).
import type {BootModeName} from './boot-mode.ts';

export interface BootModeCase {
  name: string;
  cmdline: string;
  mode: BootModeName;
  /** What= of the early sysroot.mount; undefined when the generator writes none. */
  what?: string;
  /** Options= of that sysroot.mount. */
  options?: 'ro' | 'rw';
}

const IMG = 'cos-img/filename=/cOS/active.img';
const ACTIVE = `root=LABEL=COS_ACTIVE ${IMG}`;
const ACTIVE_NODE = '/dev/disk/by-label/COS_ACTIVE';

/** Files the generator test puts in its working directory: what an unguarded glob would match. */
export const GLOB_BAIT = ['stages.initramfs0.commands0=echo', 'root=LABEL=COS_ACTIVE', 'rd.immucore.disable'];

export const BOOT_MODE_CASES: BootModeCase[] = [
  // Disk boots.
  {
    name: 'an active boot from the boot loader',
    cmdline: `BOOT_IMAGE=/cOS/vmlinuz console=tty1 ${ACTIVE} panic=5 rd.neednet=0`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'a passive boot',
    cmdline: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img',
    mode: 'disk',
    what: '/dev/disk/by-label/COS_PASSIVE',
    options: 'ro',
  },
  {
    name: 'a recovery boot from recovery.img',
    cmdline: 'root=LABEL=COS_SYSTEM cos-img/filename=/cOS/recovery.img',
    mode: 'disk',
    what: '/dev/disk/by-label/COS_SYSTEM',
    options: 'ro',
  },
  {
    name: 'no cos-img/filename= is still a disk boot (immucore fails it loudly)',
    cmdline: 'root=LABEL=COS_ACTIVE',
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {name: 'an empty cmdline is a disk boot without a root device', cmdline: '', mode: 'disk'},
  {name: 'a cmdline without root= writes no sysroot.mount', cmdline: `quiet ${IMG}`, mode: 'disk'},
  {
    name: 'an empty cos-img/filename= is a disk boot',
    cmdline: 'cos-img/filename= root=/dev/vda2',
    mode: 'disk',
    what: '/dev/vda2',
    options: 'ro',
  },
  {
    name: 'the last cos-img/filename= names the image',
    cmdline: `cos-img/filename=/a.img ${ACTIVE}`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'tabs, several spaces and a CR split like spaces',
    cmdline: `root=LABEL=COS_ACTIVE\t\t${IMG}  quiet\r`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },

  // Root devices.
  {
    name: 'root=UUID= links by uuid',
    cmdline: `root=UUID=0b1c6f3a-8e2d-4c4b-9f1e-1a2b3c4d5e6f ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-uuid/0b1c6f3a-8e2d-4c4b-9f1e-1a2b3c4d5e6f',
    options: 'ro',
  },
  {
    name: 'root=PARTUUID= links by partuuid',
    cmdline: `root=PARTUUID=7c1f-02 ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-partuuid/7c1f-02',
    options: 'ro',
  },
  {name: 'an empty root=PARTUUID= names no device', cmdline: `root=PARTUUID= ${IMG}`, mode: 'disk'},
  {
    name: 'root=PARTLABEL= links by partlabel',
    cmdline: `root=PARTLABEL=root-a ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-partlabel/root-a',
    options: 'ro',
  },
  {
    name: 'root=/dev/vda2 is the node itself',
    cmdline: `root=/dev/vda2 ${IMG}`,
    mode: 'disk',
    what: '/dev/vda2',
    options: 'ro',
  },
  {
    name: 'a % in a /dev path is doubled for systemd',
    cmdline: `root=/dev/disk/by-id/x%i ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-id/x%%i',
    options: 'ro',
  },
  {name: 'an unknown root= form names no device', cmdline: `root=ZFS=rpool/root ${IMG}`, mode: 'disk'},
  {name: 'a later empty root= clears the root device', cmdline: `${ACTIVE} root=`, mode: 'disk'},
  {name: 'a later bare root clears the root device', cmdline: `${ACTIVE} root`, mode: 'disk'},
  {
    name: 'of two root= the last wins',
    cmdline: `root=LABEL=COS_PASSIVE ${ACTIVE}`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },

  // Labels with characters udev escapes.
  {
    name: 'a / in a label becomes \\x2f',
    cmdline: `root=LABEL=a/b ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/a\\x2fb',
    options: 'ro',
  },
  {
    name: 'a % in a label becomes \\x25, so no specifier',
    cmdline: `root=LABEL=100%full ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/100\\x25full',
    options: 'ro',
  },
  {
    name: 'glob characters in a label are escaped, not expanded',
    cmdline: `root=LABEL=COS_* ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/COS_\\x2a',
    options: 'ro',
  },
  {
    name: 'brackets and a question mark in a label',
    cmdline: `root=LABEL=[x]? ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/\\x5bx\\x5d\\x3f',
    options: 'ro',
  },
  {
    name: 'shell syntax in a label stays data',
    cmdline: `root=LABEL=$(id)\`x\`'"\\; ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/\\x24\\x28id\\x29\\x60x\\x60\\x27\\x22\\x5c\\x3b',
    options: 'ro',
  },
  {
    name: 'udev keeps #+-.:=@_ as they are',
    cmdline: `root=LABEL=a#b+c-d.e:f=g@h_i ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/a#b+c-d.e:f=g@h_i',
    options: 'ro',
  },
  {
    name: 'non-ASCII in a label stays UTF-8',
    cmdline: `root=LABEL=Système_😀 ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/Système_😀',
    options: 'ro',
  },
  {
    name: 'a no-break space is not a separator and stays UTF-8',
    cmdline: `root=LABEL=a\u00a0b ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/a\u00a0b',
    options: 'ro',
  },
  {
    name: 'a control character in a label becomes \\x01',
    cmdline: `root=LABEL=a\u0001b ${IMG}`,
    mode: 'disk',
    what: '/dev/disk/by-label/a\\x01b',
    options: 'ro',
  },

  // Glob bait: a generator without set -f would expand these against GLOB_BAIT.
  {
    name: 'a dot-notation token next to files it would glob-match',
    cmdline: `${ACTIVE} stages.initramfs[0].commands[0]=echo`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'a disable-looking glob is not rd.immucore.disable',
    cmdline: `${ACTIVE} rd.immucore.disabl?`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },

  // rd.immucore.disable and rd.cos.disable.
  {name: 'rd.immucore.disable disables', cmdline: `${ACTIVE} rd.immucore.disable`, mode: 'disabled'},
  {name: 'legacy rd.cos.disable disables', cmdline: `${ACTIVE} rd.cos.disable`, mode: 'disabled'},
  {
    name: 'rd.immucore.disable=YES disables (any case)',
    cmdline: `${ACTIVE} rd.immucore.disable=YES`,
    mode: 'disabled',
  },
  {
    name: 'rd.immucore.disable=True disables',
    cmdline: `${ACTIVE} rd.immucore.disable=True`,
    mode: 'disabled',
  },
  {
    name: 'rd.immucore.disable=0 outranks rd.cos.disable',
    cmdline: `${ACTIVE} rd.immucore.disable=0 rd.cos.disable`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'rd.immucore.disable=x claims the flag: off, not rd.cos.disable',
    cmdline: `${ACTIVE} rd.immucore.disable=x rd.cos.disable`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'rd.immucore.disable=x wins wherever it stands',
    cmdline: `${ACTIVE} rd.cos.disable rd.immucore.disable=x`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'an empty rd.immucore.disable= is malformed: off',
    cmdline: `${ACTIVE} rd.immucore.disable= rd.cos.disable=1`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'a malformed rd.cos.disable=x is off',
    cmdline: `${ACTIVE} rd.cos.disable=x`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'rd.cos.disable=no is off',
    cmdline: `${ACTIVE} rd.cos.disable=no`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'of two rd.immucore.disable the last wins (off)',
    cmdline: `${ACTIVE} rd.immucore.disable=1 rd.immucore.disable=false`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'of two rd.immucore.disable the last wins (on)',
    cmdline: `${ACTIVE} rd.immucore.disable=0 rd.immucore.disable`,
    mode: 'disabled',
  },
  {
    name: 'rd.immucore.disable with no root at all',
    cmdline: 'root=LABEL=ROOTFS rd.immucore.disable',
    mode: 'disabled',
  },

  // rd.immucore.debugrw.
  {
    name: 'rd.immucore.debugrw mounts the root rw',
    cmdline: `${ACTIVE} rd.immucore.debugrw`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'rw',
  },
  {
    name: 'legacy rd.cos.debugrw mounts the root rw',
    cmdline: `${ACTIVE} rd.cos.debugrw=yes`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'rw',
  },
  {
    name: 'rd.immucore.debugrw=0 outranks rd.cos.debugrw',
    cmdline: `${ACTIVE} rd.cos.debugrw rd.immucore.debugrw=0`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'a malformed rd.immucore.debugrw=x is ro',
    cmdline: `${ACTIVE} rd.immucore.debugrw=x rd.cos.debugrw`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {
    name: 'debugrw on a disabled boot writes no mount',
    cmdline: `${ACTIVE} rd.immucore.debugrw rd.immucore.disable`,
    mode: 'disabled',
  },

  // Live media.
  {
    name: 'root=live:CDLABEL= is live',
    cmdline: 'root=live:CDLABEL=COS_LIVE rd.live.dir=/ rd.live.squashimg=rootfs.squashfs',
    mode: 'live',
  },
  {name: 'a bare live:LABEL= token is live', cmdline: 'live:LABEL=x', mode: 'live'},
  {
    name: 'root=live:UUID= is live',
    cmdline: 'root=live:UUID=2f6a-11e0 rd.live.overlay.overlayfs',
    mode: 'live',
  },
  {name: 'root=live:/dev/sr0 is live', cmdline: 'root=live:/dev/sr0', mode: 'live'},
  {name: 'netboot is live', cmdline: 'netboot ip=dhcp rd.neednet=1', mode: 'live'},
  {
    name: 'netboot inside another token is live (SPEC §3 substring)',
    cmdline: 'config_url=http://x/netboot.yaml',
    mode: 'live',
  },
  {
    name: 'a squashfs recovery boot is live',
    cmdline: 'root=live:LABEL=COS_RECOVERY rd.live.dir=/ rd.live.squashimg=recovery.squashfs',
    mode: 'live',
  },
  {
    name: 'a live root outranks rd.immucore.disable',
    cmdline: 'root=live:CDLABEL=COS_LIVE rd.immucore.disable',
    mode: 'live',
  },
  {
    name: 'a live medium after root=LABEL= is live',
    cmdline: `${ACTIVE} root=live:CDLABEL=COS_LIVE`,
    mode: 'live',
  },
  {
    name: 'a live medium before a malformed live: is still live',
    cmdline: 'root=live:UUID=2f6a-11e0 live:',
    mode: 'live',
  },
  {
    name: 'a bare live: names no medium: disk',
    cmdline: `${ACTIVE} live:`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
  {name: 'root=live: names no medium: disk without a device', cmdline: `root=live: ${IMG}`, mode: 'disk'},
  {
    name: 'live:label in lower case is not live',
    cmdline: `${ACTIVE} rd.x=live:label`,
    mode: 'disk',
    what: ACTIVE_NODE,
    options: 'ro',
  },
];
