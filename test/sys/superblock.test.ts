// The superblock reader against real filesystems (mkfs.ext4, mkfs.vfat), checked against blkid -p.
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {blockInfoFromBlkid, parseBlkidExport} from '../../src/sys/blkid.ts';
import {readBlockInfo} from '../../src/sys/block-scan.ts';
import {makeVfatImage} from '../helpers/images.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const UUID = '3f1c6f0e-5d1a-4c55-9a8e-6b7e2f0c1a2b';

async function blkid(file: string) {
  const {stdout} = await execa('blkid', ['-p', '-o', 'export', file]);
  return blockInfoFromBlkid(parseBlkidExport(stdout));
}

describe('reading superblocks', () => {
  const t = withTempRoot();

  const ext4 = [
    {name: 'without a journal', journal: false},
    {name: 'with a journal', journal: true},
  ];
  it.each(ext4)('ext4 image file $name: label and uuid as blkid sees them', async ({journal}) => {
    const img = await t.makeExt4Image({label: 'COS_STATE', uuid: UUID, journal, tree: {'cOS/x': 'y'}});
    const info = await readBlockInfo(img);
    expect(info).toEqual({fstype: 'ext4', label: 'COS_STATE', uuid: UUID});
    expect(info).toEqual(await blkid(img));
  });

  it('ext4 on a loop device reads the same as the file', async () => {
    const img = await t.makeExt4Image({label: 'COS_OEM', uuid: UUID});
    const dev = await t.attachLoop(img);
    expect(await readBlockInfo(dev)).toEqual({fstype: 'ext4', label: 'COS_OEM', uuid: UUID});
    expect(await t.sys.probe(dev)).toEqual({fstype: 'ext4', label: 'COS_OEM', uuid: UUID});
  });

  const vfat = [
    {name: 'FAT16', fat32: false},
    {name: 'FAT32', fat32: true},
  ];
  it.each(vfat)('vfat ($name): label and serial as blkid sees them', async ({fat32}) => {
    const img = await makeVfatImage({dir: t.images, label: 'COS_GRUB', fat32});
    const info = await readBlockInfo(img);
    expect(info).toMatchObject({fstype: 'vfat', label: 'COS_GRUB'});
    expect(info).toEqual(await blkid(img));
  });

  it('probe takes an image path relative to the root', async () => {
    await t.makeExt4Image({dir: t.path('/'), name: 'active.img', label: 'COS_ACTIVE'});
    expect(await t.sys.probe('/active.img')).toMatchObject({fstype: 'ext4', label: 'COS_ACTIVE'});
  });

  it('probe says undefined for a device with no filesystem', async () => {
    const {writeFile, truncate} = await import('node:fs/promises');
    const img = `${t.images}/blank.img`;
    await writeFile(img, '');
    await truncate(img, 1024 * 1024);
    expect(await t.sys.probe(await t.attachLoop(img))).toBeUndefined();
  });
});
