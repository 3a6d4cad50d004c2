// The mechanics shared by the mounting steps, on the fake: wait, probe, check, mount, record; and
// per-item failures that cost one item, not the step's others.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext, stepError} from '../../test/fakes/step-context.ts';
import {BootError} from '../boot/errors.ts';
import type {MountSpec} from '../boot/mount-spec.ts';
import {SysError} from '../sys/sys.ts';
import {forEachItem, mountDevice, mountPlain, warnItem} from './mounting.ts';

const disks = () =>
  new FakeSys({
    devices: [
      {device: '/dev/vda4', info: {fstype: 'ext4', label: 'COS_STATE'}},
      {device: '/dev/vda1', info: {fstype: 'vfat', label: 'EFI'}},
      {device: '/dev/vda6', info: {fstype: 'xfs', label: 'DATA'}},
    ],
  });

const spec = (source: string, target: string): MountSpec => ({
  source,
  target,
  fstype: 'auto',
  options: ['rw'],
});
const FORCE = {mode: 'force', repair: 'preen'} as const;

describe('mountDevice', () => {
  const valid = [
    {
      name: 'waits for an ext4 device, checks it, then mounts it with the probed type',
      source: 'LABEL=COS_STATE',
      device: undefined,
      want: ['waitForDevice LABEL=COS_STATE', 'fsck /dev/vda4 force', 'mount ext4 /dev/vda4 /mnt/state'],
    },
    {
      name: 'does not check a filesystem that is not ext',
      source: 'LABEL=EFI',
      device: undefined,
      want: ['waitForDevice LABEL=EFI', 'mount vfat /dev/vda1 /mnt/state'],
    },
    {
      name: 'mounts the device given without waiting for one',
      source: 'LABEL=DATA',
      device: '/dev/vda6',
      want: ['mount xfs /dev/vda6 /mnt/state'],
    },
  ];
  it.each(valid)('$name', async ({source, device, want}) => {
    const sys = disks();
    const ctx = stepContext(sys, {step: 'mount-state'});
    await mountDevice(ctx, spec(source, '/mnt/state'), {
      timeoutSec: 1,
      fsck: FORCE,
      ...(device ? {device} : {}),
    });
    expect(sys.calls).toEqual(want);
    expect(sys.dirs.has('/mnt/state')).toBe(true);
  });

  it('records the mount with its stable source, the device behind it and the step', async () => {
    const sys = disks();
    const ctx = stepContext(sys, {step: 'mount-state'});
    await mountDevice(ctx, spec('LABEL=COS_STATE', '/mnt/state'), {timeoutSec: 1});
    expect(ctx.boot.mounts).toEqual([
      {
        source: 'LABEL=COS_STATE',
        target: '/mnt/state',
        fstype: 'ext4',
        options: ['rw'],
        step: 'mount-state',
        device: '/dev/vda4',
        result: 'mounted',
      },
    ]);
    expect(sys.mounts.map((m) => m.source)).toEqual(['/dev/vda4']);
  });

  it('records a device already mounted at the target as already', async () => {
    const sys = disks();
    const ctx = stepContext(sys, {step: 'mount-state'});
    await mountDevice(ctx, spec('LABEL=COS_STATE', '/mnt/state'), {timeoutSec: 1});
    await mountDevice(ctx, spec('LABEL=COS_STATE', '/mnt/state'), {timeoutSec: 1});
    expect(ctx.boot.mounts.map((m) => m.result)).toEqual(['mounted', 'already']);
    expect(ctx.log.lines.at(-1)?.msg).toBe('LABEL=COS_STATE (/dev/vda4, ext4) already on /mnt/state');
  });

  it('warns naming both devices when the same-disk rule chose between two, once', async () => {
    const sys = disks();
    const choice = {
      spec: 'LABEL=COS_STATE',
      device: '/dev/vda4',
      message: '2 devices carry LABEL=COS_STATE: /dev/vda4 (…) and /dev/sda1 (…); using /dev/vda4, …',
      hint: 'Remove the disk of /dev/sda1 …',
    };
    sys.deviceChoices = [choice, {...choice, spec: 'LABEL=COS_OEM'}];
    const ctx = stepContext(sys, {step: 'mount-state'});
    await mountDevice(ctx, spec('LABEL=COS_STATE', '/mnt/state'), {timeoutSec: 1});
    await mountDevice(ctx, spec('LABEL=COS_STATE', '/mnt/state'), {timeoutSec: 1});
    expect(ctx.boot.warnings).toEqual([
      {step: 'mount-state', item: 'LABEL=COS_STATE', message: choice.message, hint: choice.hint},
    ]);
    expect(ctx.log.lines.some((l) => l.msg === `${choice.message}. Try: ${choice.hint}`)).toBe(true);
    expect(sys.deviceChoices.map((c) => c.spec)).toEqual(['LABEL=COS_OEM']);
  });

  it('fails without recording a mount when the device never appears', async () => {
    const sys = disks();
    const ctx = stepContext(sys, {step: 'mount-state'});
    const err = await stepError(mountDevice(ctx, spec('LABEL=NOPE', '/mnt/x'), {timeoutSec: 0}));
    expect(err.message).toBe('Device LABEL=NOPE did not appear within 0 ms');
    expect((err.error as SysError).code).toBe('ETIMEDOUT');
    expect(ctx.boot.mounts).toEqual([]);
    expect(sys.calls).toEqual(['waitForDevice LABEL=NOPE']);
  });
});

describe('mountPlain', () => {
  it('mounts and records a spec with no device behind it', async () => {
    const sys = new FakeSys();
    await sys.mkdirp('/run/overlay');
    const ctx = stepContext(sys, {step: 'mount-overlay-base'});
    const tmpfs = {source: 'tmpfs', target: '/run/overlay', fstype: 'tmpfs', options: ['rw', 'size=25%']};
    await mountPlain(ctx, tmpfs);
    expect(sys.calls).toEqual(['mount tmpfs tmpfs /run/overlay']);
    expect(ctx.boot.mounts).toEqual([{...tmpfs, step: 'mount-overlay-base', result: 'mounted'}]);
    expect(ctx.log.lines.map((l) => l.msg)).toEqual(['tmpfs on /run/overlay']);
  });

  it('logs a bind by its source', async () => {
    const sys = new FakeSys();
    await sys.mkdirp('/state/home', '/sysroot/home');
    const ctx = stepContext(sys, {step: 'mount-persistent'});
    await mountPlain(ctx, {
      source: '/state/home',
      target: '/sysroot/home',
      fstype: 'none',
      options: ['bind'],
    });
    expect(ctx.log.lines.map((l) => l.msg)).toEqual(['bind /state/home on /sysroot/home']);
  });
});

describe('forEachItem', () => {
  const items = ['a', 'b', 'c'];

  it('runs every item in order', async () => {
    const ctx = stepContext(new FakeSys(), {step: 'mount-volumes'});
    const seen: string[] = [];
    await forEachItem(
      ctx,
      items,
      (i) => i,
      async (i) => void seen.push(i),
    );
    expect(seen).toEqual(items);
    expect(ctx.boot.failures).toEqual([]);
  });

  const failing = [
    {
      name: 'one failing item fails alone; the step fails at the end naming it',
      bad: ['b'],
      error: /^1 of 3 failed: b$/,
    },
    {
      name: 'every failing item is named, in order',
      bad: ['a', 'c'],
      error: /^2 of 3 failed: a, c$/,
    },
  ];
  it.each(failing)('$name', async ({bad, error}) => {
    const ctx = stepContext(new FakeSys(), {step: 'mount-volumes'});
    const seen: string[] = [];
    const err = await stepError(
      forEachItem(
        ctx,
        items,
        (i) => `item ${i}`,
        async (i) => {
          seen.push(i);
          if (bad.includes(i)) throw new SysError(`${i} broke`, {code: 'EIO', hint: `mend ${i}`});
        },
      ),
    );
    expect(seen).toEqual(items);
    expect(err.message.replaceAll('item ', '')).toMatch(error);
    expect(err.hint).toMatch(/report\.json under "failures"/);
    expect(ctx.boot.failures).toEqual(
      bad.map((i) => ({step: 'mount-volumes', item: `item ${i}`, message: `${i} broke`, hint: `mend ${i}`})),
    );
    expect(ctx.log.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(
      bad.map((i) => `item ${i}: ${i} broke (try: mend ${i})`),
    );
  });

  it('records an item failure without a hint when the error has none', async () => {
    const ctx = stepContext(new FakeSys(), {step: 'mount-volumes'});
    await stepError(
      forEachItem(
        ctx,
        ['x'],
        (i) => i,
        async () => {
          throw new Error('plain');
        },
      ),
    );
    expect(ctx.boot.failures).toEqual([{step: 'mount-volumes', item: 'x', message: 'plain'}]);
  });

  it('stops before the next item once the boot is stopped', async () => {
    const controller = new AbortController();
    const ctx = stepContext(new FakeSys(), {signal: controller.signal});
    const seen: string[] = [];
    const err = await stepError(
      forEachItem(
        ctx,
        items,
        (i) => i,
        async (i) => {
          seen.push(i);
          controller.abort();
        },
      ),
    );
    expect(seen).toEqual(['a']);
    expect(err.error).toBeInstanceOf(BootError);
    expect(err.message).toBe('cancelled before b');
    expect(err.hint).toMatch(/SIGTERM/);
  });
});

describe('warnItem', () => {
  it('records a warning for the report and logs it as ignored', () => {
    const ctx = stepContext(new FakeSys(), {step: 'mount-rw-paths'});
    warnItem(ctx, '/srv', 'it is missing', 'create it');
    expect(ctx.boot.warnings).toEqual([
      {step: 'mount-rw-paths', item: '/srv', message: 'it is missing', hint: 'create it'},
    ]);
    expect(ctx.boot.failures).toEqual([]);
    expect(ctx.log.lines).toEqual([{level: 'warn', msg: '/srv: it is missing, ignoring. Try: create it'}]);
  });
});
