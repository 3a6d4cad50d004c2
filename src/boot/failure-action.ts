// What the initrd does once the failure screen is painted (SPEC §9), decided from the cmdline
// alone. Kairos boots with `rd.emergency=reboot rd.shell=0`, where dracut reboots at once and the
// screen is gone before anyone read it; so immucore holds it, for HOLD_SEC or until a key is
// pressed on the console, then reboots through systemd itself (a clean reboot, which a later
// boot-counting scheme can tell from a crash). How the stanzas combine:
//   1. rd.shell=1 (or a bare rd.shell, or any rd.break) asks for dracut's emergency shell: a person
//      typed it at the boot prompt to debug, so it wins over everything, rebootonfailure included;
//   2. rd.immucore.rebootonfailure: hold REBOOT_ON_FAILURE_SEC (its documented 10 s), then reboot;
//   3. rd.shell=0 with rd.emergency=reboot|poweroff: hold HOLD_SEC, then reboot or power off as
//      rd.emergency says;
//   4. otherwise dracut's emergency target takes over at once: its shell (the default, which
//      leaves the screen above the prompt), or with rd.shell=0 a halt (the screen stays up).
// A counted try of a tentative slot (`immucore.try=` from the GRUB assessment snippet) reboots
// after REBOOT_ON_FAILURE_SEC unless rd.shell asks for the shell: a halt would never come back to
// GRUB, so the try would never be counted and the fallback never reached.
import {parseAssessmentCmdline} from './assessment-cmdline.ts';
import type {BootConfig} from './boot-config.ts';

export const HOLD_SEC = 90;
export const REBOOT_ON_FAILURE_SEC = 10;

export type FailureAction =
  | {kind: 'shell'; reason: string}
  /** `immucore retry` failed again: the emergency shell it runs in stays. */
  | {kind: 'stay'; reason: string}
  | {kind: 'halt'; reason: string}
  | {kind: 'hold' | 'reboot'; holdSec: number; ending: 'reboot' | 'poweroff'; reason: string};

export function decideFailureAction(
  config: Pick<BootConfig, 'rebootOnFailure' | 'shell' | 'emergency'> & {raw?: string},
): FailureAction {
  if (config.shell === true) return {kind: 'shell', reason: 'rd.shell asks for the emergency shell'};
  const trying = config.raw === undefined ? undefined : parseAssessmentCmdline(config.raw).trying;
  if (trying)
    return {
      kind: 'reboot',
      holdSec: REBOOT_ON_FAILURE_SEC,
      ending: 'reboot',
      reason: `a counted try of the ${trying} slot (immucore.try=${trying}): the boot loader falls back after its last try`,
    };
  if (config.rebootOnFailure)
    return {
      kind: 'reboot',
      holdSec: REBOOT_ON_FAILURE_SEC,
      ending: 'reboot',
      reason: 'rd.immucore.rebootonfailure',
    };
  if (config.shell === false && (config.emergency === 'reboot' || config.emergency === 'poweroff'))
    return {
      kind: 'hold',
      holdSec: HOLD_SEC,
      ending: config.emergency,
      reason: `rd.shell=0 rd.emergency=${config.emergency}`,
    };
  if (config.shell === false)
    return {kind: 'halt', reason: `rd.shell=0${config.emergency ? ` rd.emergency=${config.emergency}` : ''}`};
  return {kind: 'shell', reason: "dracut's default, the emergency shell"};
}

/** The last lines of the failure screen: what happens next, and how to get a shell instead. */
export function renderFailureAction(a: FailureAction): string[] {
  switch (a.kind) {
    case 'shell':
      return [
        '  The initrd stops here: you are being dropped to the emergency shell. From there,',
        '  `immucore status` shows what this boot did and why it stopped, `immucore timeline`',
        '  when each step ran; fix the cause and `immucore retry` runs the boot again.',
      ];
    case 'stay':
      return [
        '  Still in the emergency shell: fix the cause and run `immucore retry` again;',
        '  `immucore status` shows every step. `exit` now would run immucore again.',
      ];
    case 'halt':
      return [
        `  The initrd stops here and halts (${a.reason}). For a shell instead, boot with`,
        '  rd.shell=1; from there `immucore status` shows what this boot did and why it stopped.',
      ];
    default: {
      const verb = a.ending === 'reboot' ? 'Rebooting' : 'Powering off';
      const now = a.ending === 'reboot' ? 'reboot' : 'power off';
      return [
        `  ${verb} in ${a.holdSec} s (${a.reason}): press any key on the console to ${now} now.`,
        '  For a shell instead, boot with rd.shell=1; from there `immucore status` shows the report.',
      ];
    }
  }
}
