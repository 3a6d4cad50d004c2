// Loop devices: read-only attach, reuse of an existing attachment, detach.
import fs from 'node:fs/promises';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {withTempRoot} from '../helpers/temp-root.ts';

async function backingFile(dev: string): Promise<string | undefined> {
  return fs.readFile(`/sys/class/block/${dev.replace('/dev/', '')}/loop/backing_file`, 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
}

describe('attachLoop and detachLoop', () => {
  const t = withTempRoot();

  it('attaches an image read-only: writes to the device fail', async () => {
    await t.makeExt4Image({dir: t.path('/'), name: 'active.img', label: 'COS_ACTIVE'});
    const dev = await t.sys.attachLoop('/active.img', {readOnly: true});
    expect(dev).toMatch(/^\/dev\/loop\d+$/);
    expect(await backingFile(dev)).toBe(t.path('/active.img'));
    expect((await fs.readFile(`/sys/class/block/${dev.replace('/dev/', '')}/ro`, 'utf8')).trim()).toBe('1');
    const fh = await fs.open(dev, 'r+');
    const err = await fh.write(Buffer.from('x'), 0, 1, 0).catch((e: NodeJS.ErrnoException) => e);
    await fh.close();
    expect(err).toMatchObject({code: expect.stringMatching(/^(EROFS|EACCES|EPERM)$/)});
    // Asked for rw, mount falls back to ro on a write-protected device: still nothing can be written.
    await t.sys.mkdirp('/sysroot');
    await t.sys.mount({source: dev, target: '/sysroot', fstype: 'ext4', options: ['rw']});
    expect((await t.sys.listMounts()).find((m) => m.target === '/sysroot')?.options).toContain('ro');
    await expect(t.sys.writeText('/sysroot/x', 'x')).rejects.toMatchObject({code: 'EROFS'});
  });

  it('reuses a read-only attachment of the same image', async () => {
    await t.makeExt4Image({dir: t.path('/'), name: 'active.img', label: 'COS_ACTIVE'});
    const first = await t.sys.attachLoop('/active.img', {readOnly: true});
    const again = await t.sys.attachLoop('/active.img', {readOnly: true});
    expect(again).toBe(first);
    const rw = await t.sys.attachLoop('/active.img', {readOnly: false});
    expect(rw).not.toBe(first);
    await t.sys.detachLoop(first);
    await t.sys.detachLoop(rw);
    expect(await backingFile(first)).toBeUndefined();
  });

  it('never reuses an attachment of the same image at an offset or with a size limit', async () => {
    await t.makeExt4Image({dir: t.path('/'), name: 'active.img', label: 'COS_ACTIVE'});
    const partial = [];
    for (const extra of [
      ['--offset', '4096'],
      ['--sizelimit', '1048576'],
    ]) {
      const {stdout} = await execa('losetup', [
        '--find',
        '--show',
        '--read-only',
        ...extra,
        t.path('/active.img'),
      ]);
      partial.push(stdout.trim());
    }
    try {
      const whole = await t.sys.attachLoop('/active.img', {readOnly: true});
      expect(partial).not.toContain(whole);
      expect(await backingFile(whole)).toBe(t.path('/active.img'));
      expect(await t.sys.attachLoop('/active.img', {readOnly: true})).toBe(whole);
      await t.sys.detachLoop(whole);
    } finally {
      for (const dev of partial) await execa('losetup', ['-d', dev]);
    }
  });

  it('detaching a device that is not attached does nothing', async () => {
    const dev = await t.sys.attachLoop(
      await t.makeExt4Image({dir: t.path('/'), label: 'X'}).then(() => '/X.img'),
      {
        readOnly: true,
      },
    );
    await t.sys.detachLoop(dev);
    await expect(t.sys.detachLoop(dev)).resolves.toBeUndefined();
  });

  it('a missing image is ENOENT with a hint about cos-img/filename', async () => {
    const err = await t.sys.attachLoop('/cOS/active.img', {readOnly: true}).catch((e) => e);
    expect(err).toMatchObject({code: 'ENOENT'});
    expect(err.message).toMatch(/\/cOS\/active.img/);
    expect(err.hint).toMatch(/cos-img\/filename/);
  });
});
