// fsck per fsck.mode / fsck.repair on real ext4 images, one of them with a cleared inode.
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {makeVfatImage} from '../helpers/images.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

/** An ext4 image in the root whose file `f1` points at a cleared inode; `dirty` also marks it unclean. */
async function corrupt(t: ReturnType<typeof withTempRoot>, {dirty}: {dirty: boolean}): Promise<string> {
  const img = await t.makeExt4Image({
    dir: t.path('/'),
    name: 'active.img',
    label: 'COS_ACTIVE',
    tree: {f1: 'x'},
  });
  await execa('debugfs', ['-w', '-R', 'clri /f1', img]);
  if (dirty) await execa('debugfs', ['-w', '-R', 'ssv state 0', img]);
  return '/active.img';
}

describe('fsck', () => {
  const t = withTempRoot();

  it('a clean filesystem is clean: by its superblock in auto mode, by e2fsck when forced', async () => {
    const dev = await t.attachLoop(await t.makeExt4Image({label: 'COS_STATE'}), {readOnly: false});
    const auto = await t.sys.fsck(dev, {mode: 'auto', repair: 'preen'});
    expect(auto).toMatchObject({outcome: 'clean', output: expect.stringMatching(/e2fsck not run/)});
    expect(auto.exitCode).toBeUndefined();
    expect(await t.sys.fsck(dev, {mode: 'force', repair: 'preen'})).toMatchObject({
      outcome: 'clean',
      exitCode: 0,
    });
  });

  it('skip runs nothing, even on a broken filesystem', async () => {
    const img = await corrupt(t, {dirty: true});
    expect(await t.sys.fsck(img, {mode: 'skip', repair: 'preen'})).toEqual({
      outcome: 'skipped',
      output: 'fsck.mode=skip',
    });
  });

  it('auto trusts a filesystem marked clean; force checks it and preen repairs', async () => {
    const img = await corrupt(t, {dirty: false});
    expect(await t.sys.fsck(img, {mode: 'auto', repair: 'preen'})).toMatchObject({outcome: 'clean'});
    const forced = await t.sys.fsck(img, {mode: 'force', repair: 'preen'});
    expect(forced).toMatchObject({outcome: 'repaired', exitCode: 1});
    expect(forced.output).toMatch(/deleted\/unused inode/);
  });

  it('repair=yes fixes an unclean filesystem', async () => {
    const img = await corrupt(t, {dirty: true});
    expect(await t.sys.fsck(img, {mode: 'auto', repair: 'yes'})).toMatchObject({
      outcome: 'repaired',
      exitCode: 1,
    });
    expect(await t.sys.fsck(img, {mode: 'force', repair: 'no'})).toMatchObject({outcome: 'clean'});
  });

  it('repair=no on errors is a failure with the exit code and a hint', async () => {
    const img = await corrupt(t, {dirty: true});
    const err = await t.sys.fsck(img, {mode: 'auto', repair: 'no'}).catch((e) => e);
    expect(err).toMatchObject({code: 'EEXIT', exitCode: 4});
    expect(err.message).toMatch(new RegExp(`^e2fsck -n ${t.path('/active.img')} exited 4`));
    expect(err.hint).toMatch(/e2fsck -f \/active.img/);
  });

  it('a vfat filesystem is not checked', async () => {
    const img = await makeVfatImage({dir: t.images, label: 'COS_GRUB'});
    expect(await t.sys.fsck(await t.attachLoop(img), {mode: 'force', repair: 'yes'})).toMatchObject({
      outcome: 'skipped',
    });
  });
});
