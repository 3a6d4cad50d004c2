// What follows the failure screen, from the cmdline alone: hold/reboot/shell/halt.
import {describe, expect, it} from 'vitest';
import {parseCmdline} from './cmdline.ts';
import {decideFailureAction, type FailureAction, renderFailureAction} from './failure-action.ts';

const decide = (cmdline: string) => decideFailureAction(parseCmdline(cmdline));

describe('decideFailureAction', () => {
  const valid: Array<{name: string; cmdline: string; want: FailureAction}> = [
    {
      name: "Kairos' own cmdline holds the screen 90 s, then reboots",
      cmdline: 'root=LABEL=COS_ACTIVE rd.emergency=reboot rd.shell=0',
      want: {kind: 'hold', holdSec: 90, ending: 'reboot', reason: 'rd.shell=0 rd.emergency=reboot'},
    },
    {
      name: 'a counted try of a tentative slot reboots after the short hold, so GRUB counts it',
      cmdline: 'root=LABEL=COS_ACTIVE rd.emergency=reboot rd.shell=0 immucore.try=active',
      want: {
        kind: 'reboot',
        holdSec: 10,
        ending: 'reboot',
        reason:
          'a counted try of the active slot (immucore.try=active): the boot loader falls back after its last try',
      },
    },
    {
      name: 'rd.shell=1 still wins over a counted try',
      cmdline: 'immucore.try=passive rd.shell=1',
      want: {kind: 'shell', reason: 'rd.shell asks for the emergency shell'},
    },
    {
      name: 'rd.emergency=poweroff holds, then powers off',
      cmdline: 'rd.shell=0 rd.emergency=poweroff',
      want: {kind: 'hold', holdSec: 90, ending: 'poweroff', reason: 'rd.shell=0 rd.emergency=poweroff'},
    },
    {
      name: 'rd.shell=no and rd.shell=off are off too, as dracut reads them',
      cmdline: 'rd.shell=no rd.emergency=reboot',
      want: {kind: 'hold', holdSec: 90, ending: 'reboot', reason: 'rd.shell=0 rd.emergency=reboot'},
    },
    {
      name: 'rd.shell=1 asks for the shell, whatever rd.emergency says',
      cmdline: 'rd.emergency=reboot rd.shell=0 rd.shell=1',
      want: {kind: 'shell', reason: 'rd.shell asks for the emergency shell'},
    },
    {
      name: 'rd.break opens the shell even with rd.shell=0',
      cmdline: 'rd.break=pre-mount rd.shell=0 rd.emergency=reboot',
      want: {kind: 'shell', reason: 'rd.shell asks for the emergency shell'},
    },
    {
      name: 'rd.shell=1 wins over rd.immucore.rebootonfailure: a person asked to debug',
      cmdline: 'rd.immucore.rebootonfailure rd.shell',
      want: {kind: 'shell', reason: 'rd.shell asks for the emergency shell'},
    },
    {
      name: 'rd.immucore.rebootonfailure holds 10 s, then reboots',
      cmdline: 'rd.immucore.rebootonfailure',
      want: {kind: 'reboot', holdSec: 10, ending: 'reboot', reason: 'rd.immucore.rebootonfailure'},
    },
    {
      name: 'rd.immucore.rebootonfailure wins over rd.emergency=poweroff',
      cmdline: 'rd.shell=0 rd.emergency=poweroff rd.cos.rebootonfailure',
      want: {kind: 'reboot', holdSec: 10, ending: 'reboot', reason: 'rd.immucore.rebootonfailure'},
    },
    {
      name: 'no stanza leaves it to dracut: its emergency shell',
      cmdline: 'root=LABEL=COS_ACTIVE',
      want: {kind: 'shell', reason: "dracut's default, the emergency shell"},
    },
    {
      name: 'rd.emergency=reboot without rd.shell=0 is still the shell (dracut only reboots without one)',
      cmdline: 'rd.emergency=reboot',
      want: {kind: 'shell', reason: "dracut's default, the emergency shell"},
    },
    {
      name: 'rd.shell=0 alone: dracut halts, which leaves the screen up',
      cmdline: 'rd.shell=0',
      want: {kind: 'halt', reason: 'rd.shell=0'},
    },
    {
      name: 'rd.shell=0 rd.emergency=halt halts',
      cmdline: 'rd.shell=0 rd.emergency=halt',
      want: {kind: 'halt', reason: 'rd.shell=0 rd.emergency=halt'},
    },
  ];
  it.each(valid)('$name', ({cmdline, want}) => {
    expect(decide(cmdline)).toEqual(want);
    expect(parseCmdline(cmdline).problems).toEqual([]);
  });
});

describe('renderFailureAction', () => {
  const cases = [
    {
      cmdline: 'rd.shell=0 rd.emergency=reboot',
      first:
        /^ {2}Rebooting in 90 s \(rd\.shell=0 rd\.emergency=reboot\): press any key on the console to reboot now\.$/,
    },
    {
      cmdline: 'rd.shell=0 rd.emergency=poweroff',
      first: /^ {2}Powering off in 90 s .*: press any key on the console to power off now\.$/,
    },
    {
      cmdline: 'rd.immucore.rebootonfailure',
      first: /^ {2}Rebooting in 10 s \(rd\.immucore\.rebootonfailure\): press any key/,
    },
    {cmdline: '', first: /you are being dropped to the emergency shell/},
    {cmdline: 'rd.shell=0', first: /stops here and halts \(rd\.shell=0\)\. For a shell instead, boot with$/},
  ];
  it.each(cases)('$cmdline', ({cmdline, first}) => {
    const lines = renderFailureAction(decide(cmdline));
    expect(lines[0]).toMatch(first);
    // Every screen says how to get to the report.
    expect(lines.join('\n')).toMatch(/immucore status/);
  });
});
