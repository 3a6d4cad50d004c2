// The root image: attached read-only to a loop device, checked only when asked, mounted at /sysroot;
// a missing image names the images that are there.
import {describe, expect, it} from 'vitest';
import {FakeSys, type FakeSysOptions} from '../../test/fakes/fake-sys.ts';
import {ACTIVE_CMDLINE, stepContext, stepError} from '../../test/fakes/step-context.ts';
import {attachImage, mountRoot} from './attach-image.ts';

const IMAGES = '/run/initramfs/cos-state/cOS';
// What attach-image does once the image is attached: ask udev to look at the loop device, then
// wait for the root label's link, which sysroot.mount and dracut's root hooks wait for.
const ANNOUNCE = [
  'run udevadm trigger --action=change /dev/loop7',
  'waitForLink /dev/disk/by-label/COS_ACTIVE -> /dev/loop7',
];

function machine(images: string[] = ['active.img'], opts: FakeSysOptions = {}) {
  const sys = new FakeSys({
    ...opts,
    files: Object.fromEntries(images.map((i) => [`${IMAGES}/${i}`, 'image'])),
  });
  return sys;
}

describe('attachImage', () => {
  const valid = [
    {
      name: 'attaches the image read-only and checks nothing by default',
      cmdline: ACTIVE_CMDLINE,
      calls: [`attachLoop ${IMAGES}/active.img ro`, ...ANNOUNCE],
      fscks: [],
    },
    {
      name: 'attaches it read-write with rd.immucore.debugrw',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.debugrw`,
      calls: [`attachLoop ${IMAGES}/active.img rw`, ...ANNOUNCE],
      fscks: [],
    },
    {
      name: 'checks a read-only image on fsck.mode=force, without repairs',
      cmdline: `${ACTIVE_CMDLINE} fsck.mode=force fsck.repair=yes`,
      calls: [`attachLoop ${IMAGES}/active.img ro`, 'fsck /dev/loop7 force', ...ANNOUNCE],
      fscks: [{device: '/dev/loop7', mode: 'force', repair: 'no'}],
    },
    {
      name: 'repairs a read-write image as fsck.repair says',
      cmdline: `${ACTIVE_CMDLINE} rd.immucore.debugrw fsck.mode=force fsck.repair=yes`,
      calls: [`attachLoop ${IMAGES}/active.img rw`, 'fsck /dev/loop7 force', ...ANNOUNCE],
      fscks: [{device: '/dev/loop7', mode: 'force', repair: 'yes'}],
    },
  ];
  it.each(valid)('$name', async ({cmdline, calls, fscks}) => {
    const sys = machine();
    const ctx = stepContext(sys, {cmdline, step: 'attach-image'});
    await attachImage(ctx);
    expect(sys.calls).toEqual(calls);
    expect(sys.fscks).toEqual(fscks);
    expect(ctx.boot.loopDevice).toBe('/dev/loop7');
    expect(ctx.log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  // issue 13, scenario 11: an upgrade stopped between writing passive.img and relabelling it.
  it('fails at once, naming both labels, when the image is not labelled as root= says', async () => {
    const sys = machine(['passive.img'], {loopInfo: {fstype: 'ext4', label: 'COS_ACTIVE'}});
    const cmdline = 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img';
    const ctx = stepContext(sys, {cmdline, step: 'attach-image'});
    const err = await stepError(attachImage(ctx));
    expect(err.message).toBe(
      `Root image "${IMAGES}/passive.img" is labelled "COS_ACTIVE", but the command line boots root=LABEL=COS_PASSIVE`,
    );
    expect(err.hint).toMatch(
      /^An upgrade was probably interrupted before it relabelled the image\. Boot another entry/,
    );
    expect(err.hint).toContain('tune2fs -L COS_PASSIVE <file>');
    // No wait for a link that never comes, and no attachment left behind.
    expect(sys.calls).toEqual([`attachLoop ${IMAGES}/passive.img ro`, 'detachLoop /dev/loop7']);
    expect(ctx.boot.loopDevice).toBeUndefined();
  });

  // issue 13, scenario 3: active.img with a zeroed superblock. e2fsck -n's output as it is on one.
  it('fails naming the image and what a read-only e2fsck says when it holds no filesystem', async () => {
    const stdout = [
      'ext2fs_open2: Bad magic number in super-block',
      'e2fsck: Superblock invalid, trying backup blocks....',
      'Pass 1: Checking inodes, blocks, and sizes',
      'Block bitmap differences:  +(8193--8450)',
    ].join('\n');
    const run = () => ({exitCode: 4, stdout, stderr: 'e2fsck 1.47.0 (5-Feb-2023)'});
    const sys = machine(['active.img'], {loopInfo: null, run});
    const ctx = stepContext(sys, {step: 'attach-image'});
    const err = await stepError(attachImage(ctx));
    expect(err.message).toBe(
      `Root image "${IMAGES}/active.img" holds no filesystem that blkid recognises (damaged superblock?); e2fsck -n says: ext2fs_open2: Bad magic number in super-block; e2fsck: Superblock invalid, trying backup blocks....`,
    );
    expect(err.hint).toMatch(/nothing was written to it or to the images partition/);
    expect(sys.calls).toEqual([
      `attachLoop ${IMAGES}/active.img ro`,
      'run e2fsck -n -f /dev/loop7',
      'detachLoop /dev/loop7',
    ]);
  });

  it("waits for the root label's own link (a passive boot: COS_PASSIVE)", async () => {
    const sys = machine(['passive.img'], {loopInfo: {fstype: 'ext4', label: 'COS_PASSIVE'}});
    const cmdline = 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img';
    await attachImage(stepContext(sys, {cmdline, step: 'attach-image'}));
    expect(sys.calls.slice(1)).toEqual([
      'run udevadm trigger --action=change /dev/loop7',
      'waitForLink /dev/disk/by-label/COS_PASSIVE -> /dev/loop7',
    ]);
  });

  it('goes on without waiting, and starts no trigger, when udevd is not running', async () => {
    const sys = machine(['active.img'], {udev: 'absent'});
    const ctx = stepContext(sys, {step: 'attach-image'});
    await attachImage(ctx);
    expect(sys.calls).toEqual([`attachLoop ${IMAGES}/active.img ro`, ANNOUNCE[1]]);
    expect(ctx.log.lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect(ctx.boot.warnings).toEqual([]);
  });

  const unlinked = [
    {
      name: 'warns and boots on when the link never appears',
      opts: {udev: 'stalled'} as const,
      calls: [`attachLoop ${IMAGES}/active.img ro`, ...ANNOUNCE],
      why: /did not appear within 60000 ms/,
    },
    {
      name: 'warns and boots on when udevadm trigger fails',
      opts: {run: () => ({exitCode: 1, stdout: '', stderr: 'Operation not permitted'})},
      calls: [`attachLoop ${IMAGES}/active.img ro`, ANNOUNCE[0]],
      why: /Operation not permitted/,
    },
  ];
  it.each(unlinked)('$name', async ({opts, calls, why}) => {
    const sys = machine(['active.img'], opts);
    const ctx = stepContext(sys, {step: 'attach-image'});
    await attachImage(ctx);
    expect(sys.calls).toEqual(calls);
    expect(ctx.boot.loopDevice).toBe('/dev/loop7');
    expect(ctx.boot.warnings).toEqual([
      expect.objectContaining({
        step: 'attach-image',
        item: '/dev/disk/by-label/COS_ACTIVE',
        message: expect.stringMatching(why),
        hint: expect.stringMatching(/systemd-udevd\.service.*rd\.immucore\.devtimeout \(now 60 s\)/),
      }),
    ]);
  });

  it('stops when it is cancelled while waiting for the link', async () => {
    const controller = new AbortController();
    controller.abort();
    const sys = machine();
    const err = await stepError(
      attachImage(stepContext(sys, {step: 'attach-image', signal: controller.signal})),
    );
    expect(err.message).toMatch(/cancelled/);
  });

  const invalid = [
    {
      name: 'a cmdline without cos-img/filename names no image',
      cmdline: 'root=LABEL=COS_ACTIVE',
      images: ['active.img'],
      error: /^The command line names no root image file$/,
      hint: /Add cos-img\/filename=\/cOS\/active\.img/,
    },
    {
      name: 'a missing image names the images the partition holds',
      cmdline: ACTIVE_CMDLINE,
      images: ['passive.img', 'recovery.squashfs', 'notes.txt'],
      error: new RegExp(
        `^Root image "${IMAGES}/active\\.img" does not exist \\(from "cos-img/filename=/cOS/active\\.img"\\)$`,
      ),
      hint: /^The images partition holds \/cOS\/passive\.img, \/cOS\/recovery\.squashfs: boot one of those/,
    },
    {
      name: 'a missing image on an empty partition points at recovery',
      cmdline: ACTIVE_CMDLINE,
      images: [],
      error: /does not exist/,
      hint: /^The images partition has no images in \/cOS: boot the recovery entry and reinstall or reset\.$/,
    },
  ];
  it.each(invalid)('$name', async ({cmdline, images, error, hint}) => {
    const sys = machine(images);
    const ctx = stepContext(sys, {cmdline, step: 'attach-image'});
    const err = await stepError(attachImage(ctx));
    expect(err.message).toMatch(error);
    expect(err.hint).toMatch(hint);
    expect(sys.calls).toEqual([]);
    expect(ctx.boot.loopDevice).toBeUndefined();
  });
});

describe('mountRoot', () => {
  it('mounts the attached loop device read-only at /sysroot, recorded under the root label', async () => {
    const sys = machine();
    const ctx = stepContext(sys, {step: 'mount-root'});
    await attachImage(ctx);
    await mountRoot(ctx);
    expect(sys.calls).toEqual([
      `attachLoop ${IMAGES}/active.img ro`,
      ...ANNOUNCE,
      'mount ext4 /dev/loop7 /sysroot',
    ]);
    expect(sys.mounts).toEqual([{source: '/dev/loop7', target: '/sysroot', fstype: 'ext4', options: ['ro']}]);
    expect(ctx.boot.mounts).toEqual([
      expect.objectContaining({source: 'LABEL=COS_ACTIVE', device: '/dev/loop7', step: 'mount-root'}),
    ]);
  });

  it('mounts a passive boot under its own label', async () => {
    const sys = machine(['passive.img'], {loopInfo: {fstype: 'ext4', label: 'COS_PASSIVE'}});
    const ctx = stepContext(sys, {cmdline: 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img'});
    await attachImage(ctx);
    await mountRoot(ctx);
    expect(ctx.boot.mounts.map((m) => m.source)).toEqual(['LABEL=COS_PASSIVE']);
  });

  // issue 13, scenario 3: an image whose inode table is zeroed keeps its superblock and label, so
  // it attaches; the mount's bare EINVAL is then named with the image and what e2fsck -n finds.
  it('names the image and what a read-only e2fsck finds when the mount fails', async () => {
    const stdout = 'Superblock has an invalid journal (inode 8).\nClear? no\nRoot inode is not a directory.';
    const run = (argv: readonly string[]) =>
      argv[0] === 'e2fsck' ? {exitCode: 4, stdout, stderr: 'e2fsck 1.47.0 (5-Feb-2023)'} : undefined;
    const sys = machine(['active.img'], {run}).fail('mount ext4 /dev/loop7 /sysroot', 'EINVAL');
    const ctx = stepContext(sys, {step: 'mount-root'});
    await attachImage(ctx);
    const err = await stepError(mountRoot(ctx));
    expect(err.message).toBe(
      `Root image "${IMAGES}/active.img" (/dev/loop7) cannot be mounted: mount ext4 /dev/loop7 /sysroot: EINVAL (injected); e2fsck -n says: Superblock has an invalid journal (inode 8).; Root inode is not a directory.`,
    );
    expect(err.hint).toMatch(/nothing was written to it or to the images partition/);
    expect(sys.calls.slice(-2)).toEqual(['mount ext4 /dev/loop7 /sysroot', 'run e2fsck -n -f /dev/loop7']);
  });

  it('fails with a pointer to attach-image when no image is attached', async () => {
    const sys = machine();
    const err = await stepError(mountRoot(stepContext(sys, {step: 'mount-root'})));
    expect(err.message).toBe('no root image is attached');
    expect(err.hint).toMatch(/attach-image must run first/);
    expect(sys.calls).toEqual([]);
  });
});
