// Extra volumes: every device waited for at once, mounted read-write in mount order; one missing
// volume costs only itself.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import {mountVolumes} from './mount-volumes.ts';

const disks = () =>
  new FakeSys({
    devices: [
      {device: '/dev/vda5', info: {fstype: 'ext4', label: 'COS_PERSISTENT'}},
      {device: '/dev/vdb1', info: {fstype: 'xfs', uuid: '1234-abcd'}},
    ],
  });
const QUICK = `${ACTIVE_CMDLINE} rd.immucore.volumetimeout=0`;

describe('mountVolumes', () => {
  it('waits for every device first, then mounts parents before children', async () => {
    const sys = disks();
    const ctx = stepContext(sys, {
      layout: 'VOLUMES="UUID=1234-abcd:/usr/local/data LABEL=COS_PERSISTENT:/usr/local"\n',
      step: 'mount-volumes',
    });
    await mountVolumes(ctx);
    expect(sys.calls).toEqual([
      'waitForDevice LABEL=COS_PERSISTENT',
      'waitForDevice UUID=1234-abcd',
      'fsck /dev/vda5 auto',
      'mount ext4 /dev/vda5 /sysroot/usr/local',
      'mount xfs /dev/vdb1 /sysroot/usr/local/data',
    ]);
    expect(sys.mounts.map((m) => m.options)).toEqual([['rw'], ['rw']]);
    expect(ctx.boot.mounts.map((m) => [m.source, m.device, m.target])).toEqual([
      ['LABEL=COS_PERSISTENT', '/dev/vda5', '/sysroot/usr/local'],
      ['UUID=1234-abcd', '/dev/vdb1', '/sysroot/usr/local/data'],
    ]);
  });

  it('mounts a volume from rd.immucore.mount as well as the layout ones', async () => {
    const sys = disks();
    const ctx = stepContext(sys, {
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.mount=UUID=1234-abcd:/srv`,
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n',
    });
    await mountVolumes(ctx);
    expect(sys.mounts.map((m) => m.target).sort()).toEqual(['/sysroot/srv', '/sysroot/usr/local']);
  });

  it('one missing volume fails alone; the step fails at the end naming it', async () => {
    const sys = disks();
    const ctx = stepContext(sys, {
      cmdline: QUICK,
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=MISSING:/data"\n',
      step: 'mount-volumes',
    });
    const err = await stepError(mountVolumes(ctx));
    expect(err.message).toBe('1 of 2 failed: LABEL=MISSING:/data');
    expect(err.hint).toMatch(/report\.json under "failures"/);
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/usr/local']);
    expect(ctx.boot.failures).toEqual([
      {
        step: 'mount-volumes',
        item: 'LABEL=MISSING:/data',
        message: 'Device LABEL=MISSING did not appear within 0 ms',
      },
    ]);
  });

  it('a volume whose mount fails does not stop the ones after it', async () => {
    const sys = disks().fail('mount ext4 /dev/vda5 /sysroot/usr/local', 'EUCLEAN');
    const ctx = stepContext(sys, {
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local UUID=1234-abcd:/var/lib/data"\n',
    });
    const err = await stepError(mountVolumes(ctx));
    expect(err.message).toBe('1 of 2 failed: LABEL=COS_PERSISTENT:/usr/local');
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/var/lib/data']);
  });
});
