// The compiled binary (bun) attaches the root image with ioctls (src/sys/loop-ioctl.ts); node has
// no FFI and runs losetup (test/sys/loop.test.ts). So attachLoop runs here under bun, on real
// images, and the kernel's view of the device is checked as losetup would have left it.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {findBun} from '../../scripts/compile.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

/** attachLoop of each image under bun, in one process; the devices it printed, in order. */
async function attachUnderBun(
  images: string[],
  opts: {readOnly: boolean; partscan?: boolean},
): Promise<string[]> {
  const script = `import {attachLoop} from ${JSON.stringify(path.join(REPO, 'src/sys/loop.ts'))};
const opts = ${JSON.stringify(opts)};
for (const image of process.argv.slice(${-images.length})) console.log(await attachLoop(image, opts));`;
  const {stdout} = await execa(findBun(REPO), ['-e', script, ...images]);
  return stdout.split('\n');
}

const sysfs = (dev: string, file: string) =>
  fs.readFile(`/sys/class/block/${path.basename(dev)}/${file}`, 'utf8').then((s) => s.trim());

describe('attachLoop with ioctls (bun)', () => {
  const t = withTempRoot();

  it('attaches read-only as losetup --read-only did: ro, whole file, no autoclear, named in losetup --list', async () => {
    const image = await t.makeExt4Image({label: 'COS_ACTIVE', name: 'active.img'});
    const [dev = ''] = await attachUnderBun([image], {readOnly: true});
    expect(dev).toMatch(/^\/dev\/loop\d+$/);
    expect(await sysfs(dev, 'loop/backing_file')).toBe(image);
    expect(await sysfs(dev, 'ro')).toBe('1');
    expect(await sysfs(dev, 'loop/autoclear')).toBe('0');
    expect(await sysfs(dev, 'loop/offset')).toBe('0');
    expect(await sysfs(dev, 'loop/sizelimit')).toBe('0');
    expect(await sysfs(dev, 'loop/partscan')).toBe('0');
    const {stdout} = await execa('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE,RO', dev]);
    expect(stdout.trim().split(/\s+/)).toEqual([image, '1']);
    const fh = await fs.open(dev, 'r+');
    const err = await fh.write(Buffer.from('x'), 0, 1, 0).catch((e: NodeJS.ErrnoException) => e);
    await fh.close();
    expect(err).toMatchObject({code: expect.stringMatching(/^(EROFS|EACCES|EPERM)$/)});
    // The filesystem is there: the kernel mounts it from the device.
    await t.sys.mkdirp('/sysroot');
    await t.sys.mount({source: dev, target: '/sysroot', fstype: 'ext4', options: ['ro']});
    expect((await t.sys.listMounts()).find((m) => m.target === '/sysroot')?.source).toBe(dev);
  });

  it('reuses the attachment a previous run left, and attaches read-write with partscan when asked', async () => {
    const image = await t.makeExt4Image({label: 'COS_ACTIVE', name: 'active.img'});
    const [first, again] = await attachUnderBun([image, image], {readOnly: true});
    expect(again).toBe(first);
    const [rw = ''] = await attachUnderBun([image], {readOnly: false, partscan: true});
    expect(rw).not.toBe(first);
    expect(await sysfs(rw, 'ro')).toBe('0');
    expect(await sysfs(rw, 'loop/partscan')).toBe('1');
  });

  it('gives two attachers racing for free devices one device each', async () => {
    const images = await Promise.all(
      [...Array(6).keys()].map((i) => t.makeExt4Image({label: `R${i}`, name: `r${i}.img`, sizeMiB: 4})),
    );
    const [a, b] = await Promise.all([
      attachUnderBun(images.slice(0, 3), {readOnly: true}),
      attachUnderBun(images.slice(3), {readOnly: true}),
    ]);
    const devices = [...(a ?? []), ...(b ?? [])];
    expect(new Set(devices).size).toBe(6);
    expect(await Promise.all(devices.map((d) => sysfs(d, 'loop/backing_file')))).toEqual(images);
  });

  it('a missing image is ENOENT with a hint about cos-img/filename (before any ioctl)', async () => {
    const r = await execa(
      findBun(REPO),
      [
        '-e',
        `import {attachLoop} from ${JSON.stringify(path.join(REPO, 'src/sys/loop.ts'))};
await attachLoop(${JSON.stringify(t.path('/cOS/active.img'))}, {readOnly: true}).catch((e) => console.log(e.code, e.hint));`,
      ],
      {reject: false},
    );
    expect(r.stdout).toMatch(/^ENOENT Check cos-img\/filename=/);
  });
});
