// Issue 13, scenario 11: an upgrade interrupted between writing passive.img and relabelling it, so
// `root=LABEL=COS_PASSIVE` boots an image whose superblock says COS_ACTIVE. Plain dracut would wait
// in its initqueue for a COS_PASSIVE that never comes; immucore reads the image's superblock after
// attaching it and fails at once, naming both labels and the fix. It does not boot the image with a
// warning: the superblock is copied first, so a half-written copy carries the same wrong label.
import {beforeAll, describe, expect, it} from 'vitest';
import {bootToFailure} from './lib/faults.ts';
import type {BootResult} from './lib/qemu.ts';

describe('passive boot of an image still labelled COS_ACTIVE', () => {
  let boot: BootResult;
  let stateBytesWritten: number;

  beforeAll(async () => {
    ({boot, stateBytesWritten} = await bootToFailure(
      'image-label-mismatch',
      'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img',
    ));
  });

  it('paints the failure screen naming both labels, the image and the fix', () => {
    expect(boot.log).toMatch(/immucore: the system cannot boot \(passive boot, step attach-image failed\)/);
    expect(boot.log).toMatch(
      /Root image "\/run\/initramfs\/cos-state\/cOS\/passive\.img" is labelled "COS_ACTIVE", but the command line boots root=LABEL=COS_PASSIVE/,
    );
    expect(boot.log).toMatch(/An upgrade was probably interrupted/);
    expect(boot.log).toMatch(/tune2fs -L COS_PASSIVE/);
  });

  it('fails at once: no wait for the missing label, no switch-root, nothing written to COS_STATE', () => {
    expect(boot.stoppedOn).toBeDefined();
    expect(boot.timedOut).toBe(false);
    expect(boot.log).not.toMatch(/Timed out waiting for device|Could not boot|Switching root/);
    expect(boot.facts).toBeUndefined();
    expect(stateBytesWritten).toBe(0);
  });
});
