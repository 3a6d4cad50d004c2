// activate-devices' in-process read of LVM and md RAID member signatures (src/sys/member-scan.ts),
// on real loop devices: a physical volume made by pvcreate, md superblocks that blkid itself calls
// linux_raid_member (this kernel has no md driver, so mdadm --create cannot run here: the
// superblocks are written as mdadm lays them out, and blkid is the judge that they are), and a
// plain ext4 that must not count.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {withTempRoot} from '../helpers/temp-root.ts';

const MiB = 1024 * 1024;

// A private LVM configuration (vm-tests/lib/disk.ts does the same): no udev, no hints or backup
// files written into the host's /etc or /run, only the one device.
const LVM_CONF = `devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 hints = "none" }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
backup { backup = 0 archive = 0 }
`;

/** An md 1.x superblock with the checksum blkid verifies; `superOffset` in bytes. */
function md1Superblock(superOffset: number): Buffer {
  const sb = Buffer.alloc(256);
  sb.writeUInt32LE(0xa92b4efc, 0); // magic
  sb.writeUInt32LE(1, 4); // major_version
  Buffer.from('0123456789abcdef').copy(sb, 16); // set_uuid
  sb.write('immucore:0', 32, 'latin1'); // set_name
  sb.writeUInt32LE(1, 72); // level: raid1
  sb.writeUInt32LE(2, 92); // raid_disks
  sb.writeBigUInt64LE(BigInt(superOffset / 512), 144); // super_offset, in sectors
  sb.writeUInt32LE(0, 220); // max_dev: no dev_roles follow
  let sum = 0n;
  for (let i = 0; i < 256; i += 4) if (i !== 216) sum += BigInt(sb.readUInt32LE(i));
  sb.writeUInt32LE(Number((sum & 0xffffffffn) + (sum >> 32n)) >>> 0, 216); // sb_csum
  return sb;
}

/** An md 0.90 superblock (host byte order), as mdadm writes it 64 KiB before the aligned end. */
function md090Superblock(): Buffer {
  const sb = Buffer.alloc(4096);
  sb.writeUInt32LE(0xa92b4efc, 0); // md_magic
  sb.writeUInt32LE(0, 4); // major_version
  sb.writeUInt32LE(90, 8); // minor_version
  sb.writeUInt32LE(0x12345678, 20); // set_uuid0
  sb.writeUInt32LE(1, 28); // level
  sb.writeUInt32LE(2, 36); // nr_disks
  sb.writeUInt32LE(2, 40); // raid_disks
  return sb;
}

describe('readMemberTypes', () => {
  const t = withTempRoot();

  async function blankDevice(name: string, bytes: Array<[number, Buffer]> = []): Promise<string> {
    const file = path.join(t.images, name);
    const fh = await fs.open(file, 'w');
    await fh.truncate(16 * MiB + 3 * 4096); // not 64 KiB aligned: the tail offsets round
    for (const [offset, b] of bytes) await fh.write(b, 0, b.length, offset);
    await fh.close();
    return t.attachLoop(file, {readOnly: false});
  }

  const size = 16 * MiB + 3 * 4096;
  const blkidType = async (dev: string) =>
    (await execa('blkid', ['-p', '-o', 'value', '-s', 'TYPE', dev], {reject: false})).stdout.trim();
  const name = (dev: string) => path.basename(dev);

  it('finds a physical volume made by pvcreate, and no member on ext4 or a blank disk', async () => {
    const pv = await blankDevice('pv.img');
    const conf = path.join(t.base, 'lvm');
    await fs.mkdir(conf);
    await fs.writeFile(path.join(conf, 'lvm.conf'), LVM_CONF);
    await execa('lvm', ['pvcreate', '-ff', '-y', '--devices', pv, pv], {
      env: {LVM_SYSTEM_DIR: conf, LVM_SUPPRESS_FD_WARNINGS: '1'},
    });
    const ext4 = await t.attachLoop(await t.makeExt4Image({label: 'COS_PERSISTENT'}));
    const blank = await blankDevice('blank.img');
    expect(await blkidType(pv)).toBe('LVM2_member');
    const types = await t.sys.readMemberTypes();
    expect(types).toEqual(
      new Map([
        [name(pv), 'LVM2_member'],
        [name(ext4), ''],
        [name(blank), ''],
      ]),
    );
  });

  it.each([
    {metadata: '1.2', offset: 4096},
    {metadata: '1.1', offset: 0},
    {metadata: '1.0', offset: Math.floor((size - 8192) / 4096) * 4096},
  ])('finds an md $metadata member that blkid calls linux_raid_member', async ({offset}) => {
    const dev = await blankDevice('md.img', [[offset, md1Superblock(offset)]]);
    expect(await blkidType(dev)).toBe('linux_raid_member');
    expect(await t.sys.readMemberTypes()).toEqual(new Map([[name(dev), 'linux_raid_member']]));
  });

  it('finds an md 0.90 member that blkid calls linux_raid_member', async () => {
    const dev = await blankDevice('md090.img', [
      [Math.floor(size / 65536) * 65536 - 65536, md090Superblock()],
    ]);
    expect(await blkidType(dev)).toBe('linux_raid_member');
    expect(await t.sys.readMemberTypes()).toEqual(new Map([[name(dev), 'linux_raid_member']]));
  });

  it('sees only the devices its filter lets through (an unattached loop device has no size)', async () => {
    expect(await t.sys.readMemberTypes()).toEqual(new Map());
  });
});
