// What the boot loader's assessment snippet (overlays/.../grub_boot_assessment) put on the
// cmdline: `immucore.try=<slot>` when this boot is one counted try of a tentative slot, and
// `immucore.fallback=<slot>:<reason>[,...]` (with Kairos' `upgrade_failure`) when it fell back.
// Pure: read from the raw cmdline, like the boot state.

export interface AssessmentCmdline {
  /** The slot this boot is a counted try of (`active`, `passive`); undefined on a trusted boot. */
  trying?: string;
  /** Each fallback the boot loader made, in order: `{from: 'active', reason: 'tries-exhausted'}`. */
  fallback: Array<{from: string; reason: string}>;
  /** Kairos' `upgrade_failure` flag: the booted system writes /run/cos/upgrade_failure. */
  upgradeFailure: boolean;
}

export function parseAssessmentCmdline(raw: string): AssessmentCmdline {
  const tokens = raw.split(/\s+/).filter(Boolean);
  const value = (key: string) => tokens.findLast((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);
  const fallback = (value('immucore.fallback') ?? '')
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const colon = item.indexOf(':');
      return colon < 0
        ? {from: item, reason: 'unknown'}
        : {from: item.slice(0, colon), reason: item.slice(colon + 1)};
    });
  const trying = value('immucore.try') || undefined;
  return {
    ...(trying ? {trying} : {}),
    fallback,
    upgradeFailure: tokens.includes('upgrade_failure') || fallback.length > 0,
  };
}
