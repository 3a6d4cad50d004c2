// Which device-stack tools a boot runs before it waits for labels: `mdadm --assemble --scan` only
// when some disk carries an md RAID member, `lvm vgchange` only when some disk carries an LVM
// physical volume, as dracut's udev rules start them only for `linux_raid_member`/`LVM2_member`.
// Each tool is a process that costs ~65 ms of CPU at full speed (lvm scanning 161 devices) and over
// a second of a slow CPU's critical path, for nothing on the usual Kairos disk.

/** A tool that activates a device stack, and the member types (blkid's `ID_FS_TYPE`) it activates from. */
export const ACTIVATION_MEMBERS = {
  // mdadm also assembles Intel Matrix and DDF firmware RAID.
  mdadm: ['linux_raid_member', 'isw_raid_member', 'ddf_raid_member'],
  lvm: ['LVM2_member'],
} as const satisfies Record<string, readonly string[]>;

export type ActivationTool = keyof typeof ACTIVATION_MEMBERS;

/**
 * What is known of each block device: kernel name → its member type ('' for none found), or
 * `undefined` for a device whose signature could not be read (then nothing can be ruled out).
 */
export type MemberTypes = ReadonlyMap<string, string | undefined>;

export interface ActivationDecision {
  run: boolean;
  /** Why, naming a device: `LVM2_member on vda5`, `cannot tell what vdb holds`, `none on any disk`. */
  reason: string;
}

/**
 * Whether `tool` has something to activate, given the member types found on the disks. `types`
 * undefined (nothing could be read) runs it, as dracut would have.
 */
export function decideActivation(tool: ActivationTool, types: MemberTypes | undefined): ActivationDecision {
  if (!types) return {run: true, reason: 'the disks could not be read'};
  const members: readonly string[] = ACTIVATION_MEMBERS[tool];
  const sorted = [...types].sort(([a], [b]) => a.localeCompare(b));
  const found = sorted.find(([, t]) => t !== undefined && members.includes(t));
  if (found) return {run: true, reason: `${found[1]} on ${found[0]}`};
  const unknown = sorted.find(([, t]) => t === undefined);
  if (unknown) return {run: true, reason: `cannot tell what ${unknown[0]} holds`};
  return {run: false, reason: 'none on any disk'};
}
