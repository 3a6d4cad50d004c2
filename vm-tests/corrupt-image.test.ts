// Issue 13, scenario 3: a damaged root image, in the two ways a bad write or a bad disk leaves one.
// With a zeroed superblock nothing recognises a filesystem: immucore names the image and what a
// read-only e2fsck says. With a zeroed inode table the superblock (and its label) is fine but the
// root inode is gone: the mount fails, and the failure names the image and the mount error. Either
// way the boot stops before switch-root, and nothing is written to the images partition.
import {beforeAll, describe, expect, it} from 'vitest';
import {bootToFailure} from './lib/faults.ts';
import type {BootResult} from './lib/qemu.ts';

const CASES = [
  {
    name: 'corrupt-image-superblock',
    image: '/cOS/bad-superblock.img',
    step: 'attach-image',
    error:
      /Root image "\/run\/initramfs\/cos-state\/cOS\/bad-superblock\.img" holds no filesystem that blkid recognises \(damaged superblock\?\); e2fsck -n says: .*(superblock|magic)/i,
  },
  {
    name: 'corrupt-image-inodes',
    image: '/cOS/no-inode-table.img',
    step: 'mount-root',
    error:
      /Root image "\/run\/initramfs\/cos-state\/cOS\/no-inode-table\.img" \(\/dev\/loop\d+\) cannot be mounted: mount .*EINVAL.*; e2fsck -n says: \S/,
  },
];

describe.each(CASES)('boot of $image', ({name, image, step, error}) => {
  let boot: BootResult;
  let stateBytesWritten: number;

  beforeAll(async () => {
    ({boot, stateBytesWritten} = await bootToFailure(
      name,
      `root=LABEL=COS_ACTIVE cos-img/filename=${image}`,
    ));
  });

  it(`fails in ${step}, naming the image and the error`, () => {
    expect(boot.log).toMatch(
      new RegExp(`immucore: the system cannot boot \\(active boot, step ${step} failed\\)`),
    );
    expect(boot.log).toMatch(error);
  });

  it('stops before switch-root and writes nothing to COS_STATE', () => {
    expect(boot.stoppedOn).toBeDefined();
    expect(boot.timedOut).toBe(false);
    expect(boot.log).not.toMatch(/Switching root/);
    expect(boot.facts).toBeUndefined();
    expect(stateBytesWritten).toBe(0);
  });
});
