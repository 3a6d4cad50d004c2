import {describe, expect, it} from 'vitest';
import {parseCmdline} from './cmdline.ts';
import {type BootState, decideBootState} from './state.ts';

const ACTIVE: BootState = {
  state: 'active',
  mode: 'disk',
  sentinel: 'active_mode',
  rootLabel: 'COS_ACTIVE',
  imagesLabel: 'COS_STATE',
};
const PASSIVE: BootState = {
  state: 'passive',
  mode: 'disk',
  sentinel: 'passive_mode',
  rootLabel: 'COS_PASSIVE',
  imagesLabel: 'COS_STATE',
};
const RECOVERY: BootState = {
  state: 'recovery',
  mode: 'disk',
  sentinel: 'recovery_mode',
  rootLabel: 'COS_SYSTEM',
  imagesLabel: 'COS_RECOVERY',
};
const AUTORESET: BootState = {...RECOVERY, state: 'autoreset', sentinel: 'autoreset_mode'};
const LIVE: BootState = {state: 'live', mode: 'live', sentinel: 'live_mode'};
const UNKNOWN: BootState = {state: 'unknown', mode: 'disk', sentinel: 'unknown'};

describe('decideBootState', () => {
  const valid: Array<{name: string; cmdline: string; want: BootState}> = [
    {
      name: 'kairos.reset with COS_SYSTEM is autoreset',
      cmdline: 'root=LABEL=COS_SYSTEM kairos.reset',
      want: AUTORESET,
    },
    {
      name: 'kairos.reset wins over COS_ACTIVE (rule 1 before 2)',
      cmdline: 'kairos.reset root=LABEL=COS_ACTIVE',
      want: AUTORESET,
    },
    {
      name: 'the active label selects active',
      cmdline: 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img',
      want: ACTIVE,
    },
    {
      name: 'COS_ACTIVE wins over COS_PASSIVE (rule 2 before 3)',
      cmdline: 'x=COS_PASSIVE root=LABEL=COS_ACTIVE',
      want: ACTIVE,
    },
    {name: 'the passive label selects passive', cmdline: 'root=LABEL=COS_PASSIVE', want: PASSIVE},
    {
      name: 'COS_PASSIVE wins over COS_SYSTEM (rule 3 before 4)',
      cmdline: 'x=COS_SYSTEM root=LABEL=COS_PASSIVE',
      want: PASSIVE,
    },
    {name: 'the system label selects recovery', cmdline: 'root=LABEL=COS_SYSTEM', want: RECOVERY},
    {name: 'the recovery partition label selects recovery', cmdline: 'x=COS_RECOVERY', want: RECOVERY},
    {name: 'recovery-mode selects recovery', cmdline: 'recovery-mode', want: RECOVERY},
    {
      name: 'COS_RECOVERY wins over netboot (rule 4 before 5), on the live plan',
      cmdline: 'netboot x=COS_RECOVERY',
      want: {...RECOVERY, mode: 'live'},
    },
    {
      name: 'a squashfs recovery is state recovery on the live plan',
      cmdline: 'root=live:LABEL=COS_RECOVERY rd.live.dir=/',
      want: {...RECOVERY, mode: 'live'},
    },
    {name: 'live:LABEL is live', cmdline: 'live:LABEL=MEDIA', want: LIVE},
    {name: 'root=live:CDLABEL is live', cmdline: 'root=live:CDLABEL=COS_LIVE', want: LIVE},
    {name: 'netboot is live', cmdline: 'netboot', want: LIVE},
    {
      name: 'rd.immucore.disable puts an active boot on the live plan',
      cmdline: 'root=LABEL=COS_ACTIVE rd.immucore.disable',
      want: {...ACTIVE, mode: 'live'},
    },
    {
      name: 'legacy rd.cos.disable puts a boot on the live plan',
      cmdline: 'root=LABEL=COS_PASSIVE rd.cos.disable',
      want: {...PASSIVE, mode: 'live'},
    },
    {
      name: 'rd.immucore.disable=0 keeps the disk plan',
      cmdline: 'root=LABEL=COS_ACTIVE rd.immucore.disable=0',
      want: ACTIVE,
    },
    {
      name: 'rd.immucore.disable alone is unknown on the live plan',
      cmdline: 'rd.immucore.disable',
      want: {...UNKNOWN, mode: 'live'},
    },
    {name: 'an empty cmdline is unknown', cmdline: '', want: UNKNOWN},
    {
      name: 'a cmdline without any marker is unknown',
      cmdline: 'quiet root=/dev/sda2 console=tty1',
      want: UNKNOWN,
    },
    {name: 'labels are case-sensitive', cmdline: 'root=LABEL=cos_active', want: UNKNOWN},
  ];
  it.each(valid)('$name', ({cmdline, want}) => {
    expect(decideBootState(parseCmdline(cmdline))).toEqual(want);
  });

  // No cmdline is invalid for the boot state: anything unrecognised is `unknown`, on the disk plan.
  const unrecognised = ['net', 'KAIROS.RESET', 'cos_system'];
  it.each(unrecognised)('%s is unknown', (cmdline) => {
    expect(decideBootState(parseCmdline(cmdline))).toEqual(UNKNOWN);
  });

  it('any live: root is the live plan, even when no state token names it', () => {
    expect(decideBootState(parseCmdline('root=live:UUID=1234'))).toMatchObject({
      state: 'unknown',
      mode: 'live',
    });
  });
});
