// One mount immucore makes, as data. Paths are as seen inside the initramfs (`/sysroot/etc`); the
// sys seam resolves them against its root, fstab strips `/sysroot`.
export interface MountSpec {
  /** `LABEL=x`, `UUID=x`, a device path, an image file, `tmpfs`, `overlay`, or a directory for a bind. */
  source: string;
  target: string;
  /** `auto` means: read the type from the device. `none` for a bind. */
  fstype: string;
  /** In the fixed order immucore writes them (see boot/fstab.ts). */
  options: string[];
}
