// Two filesystems answer one name (LABEL=COS_STATE on the disk and on a USB stick that once held an
// install): which one does the boot mount? The one on the disk that holds the other COS_*
// partitions, with a warning naming both; when the disks cannot tell them apart, none, and the
// boot stops naming both and the fix. Never a silent pick: the stranger may be an old install
// whose images and user data do not belong to this machine.

/** One device that carries the name, with what the rest of its disk holds. */
export interface DuplicateCandidate {
  /** `/dev/vda4`. */
  device: string;
  /** The whole disk it is a partition of (`vda`); the device itself when it has no partitions. */
  disk: string;
  /** Labels of the other filesystems on that disk (the candidate itself not included). */
  siblings: readonly string[];
}

export type DuplicateDecision =
  | {kind: 'chosen'; device: string; message: string; hint: string}
  | {kind: 'ambiguous'; message: string; hint: string};

// The labels of a Kairos install (SPEC §1): the disk that holds them is the machine's own.
const INSTALL_LABEL = /^COS_/;

/**
 * Decide which of several devices `spec` means: the only one whose disk holds the most other COS_*
 * filesystems (at least one), else none.
 */
export function decideDuplicateDevice(
  spec: string,
  candidates: readonly DuplicateCandidate[],
): DuplicateDecision {
  const own = spec.startsWith('LABEL=') ? spec.slice('LABEL='.length) : undefined;
  const scored = candidates.map((c) => ({
    ...c,
    cos: [...new Set(c.siblings.filter((l) => INSTALL_LABEL.test(l) && l !== own))].sort(),
  }));
  const best = Math.max(0, ...scored.map((c) => c.cos.length));
  const top = scored.filter((c) => c.cos.length === best);
  const described = scored.map((c) => `${c.device} (${describeDisk(c.disk, c.cos)})`).join(' and ');
  const head = `${candidates.length} devices carry ${spec}: ${described}`;
  const others = (keep: string) => scored.filter((c) => c.device !== keep).map((c) => c.device);
  const relabel = spec.startsWith('LABEL=') ? 'another label (e2label <device> <label>)' : 'another identity';

  const winner = top[0];
  if (best > 0 && top.length === 1 && winner) {
    const strangers = others(winner.device);
    return {
      kind: 'chosen',
      device: winner.device,
      message: `${head}; using ${winner.device}, on the disk of the other COS_* partitions`,
      hint: `Remove the disk of ${strangers.join(', ')} or give ${strangers.length > 1 ? 'them' : 'it'} ${relabel}, so no other filesystem answers ${spec}.`,
    };
  }
  const why =
    best === 0
      ? 'none of them is on a disk with other COS_* partitions'
      : `${top.map((c) => c.device).join(' and ')} are each on a disk with as many COS_* partitions`;
  return {
    kind: 'ambiguous',
    message: `${head}; ${why}, so immucore will not guess which one this machine boots from`,
    hint: `Give all but one of them ${relabel}, remove the disk that does not belong, or detach the stale one (losetup -d).`,
  };
}

function describeDisk(disk: string, cos: readonly string[]): string {
  return cos.length === 0
    ? `on ${disk}, no other COS_* partition there`
    : `on ${disk} with ${cos.join(', ')}`;
}
