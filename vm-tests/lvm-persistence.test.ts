// COS_PERSISTENT on an LVM logical volume (immucore/persistent), two boots of one disk. immucore
// runs before dracut-initqueue.service, where dracut would activate LVM (and only for what the
// cmdline names): its activate-devices step must do it, or the volume never appears and the
// persistent paths stay ephemeral. The first boot writes files, the second reads them back.
// The second boot ends in the initramfs (lib/sysroot-facts.ts): the volume, the binds, the fstab
// and the files under /sysroot are there before switch-root.
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import {diskCmdline, expectBootStatus, fstabLines, reportOf, stepOutcomes} from './lib/expect-boot.ts';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootDisk, bootForFacts, buildImageSet, buildLvmDisk, freshOverlay} from './lib/fixtures.ts';
import {type InitramfsFacts, WATCH_END} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';
import {readSysrootFacts, type SysrootFacts, watchSysroot} from './lib/sysroot-facts.ts';

// Under a persistent bind, on the volume itself, and under an RW overlay (lost).
const KEPT = ['/etc/ssh/immucore-kept', '/home/immucore-kept', '/usr/local/kept'];
const LOST = ['/etc/immucore-lost'];
const FILES = [...KEPT, ...LOST];
const SECOND = 'lvm-persistence-2';

describe('COS_PERSISTENT on LVM, two boots of one disk', () => {
  const layout = expectedLayout('active_mode');
  let first: AgentFacts;
  let secondBoot: BootResult;
  let second: SysrootFacts;
  let secondUnit: InitramfsFacts['unit'];

  beforeAll(async () => {
    const overlay = await freshOverlay('lvm-persistence', buildLvmDisk);
    ({facts: first} = await bootForFacts({
      name: 'lvm-persistence-1',
      disk: buildLvmDisk,
      append: `${diskCmdline('active')} immucore.test.files=${FILES.join(',')} immucore.test.write=${FILES.join(',')}`,
      overlay,
      waitForPoweroff: true,
    }));
    const images = await buildImageSet();
    secondBoot = await bootDisk(images, await buildLvmDisk(images), {
      name: SECOND,
      append: `${diskCmdline('active')} rd.immucore.break=report`,
      overlay,
      input: watchSysroot(FILES),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    ({
      facts: second,
      watch: {unit: secondUnit},
    } = readSysrootFacts(SECOND));
  });

  it('activates the volume group before the devices are waited for, and boots ok twice', () => {
    expect(secondBoot.timedOut).toBe(false);
    expect(second.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.bootId).not.toBe(first.bootId);
    expect(secondUnit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    for (const facts of [first, second]) {
      expectBootStatus(facts, 'ok');
      expect(stepOutcomes(facts)).toMatchObject({'activate-devices': 'ok', 'mount-volumes': 'ok'});
      expect(facts.immucoreJournal).toMatch(/logical volume\(s\) in volume group "immucore" now active/);
    }
  });

  it('mounts COS_PERSISTENT from the logical volume and binds every persistent path from it', () => {
    for (const facts of [first, second]) {
      const volume = findMount(facts, '/usr/local');
      // The logical volume's device-mapper node, as block-device lookups find it.
      expect(volume?.source).toMatch(/^\/dev\/dm-\d+$/);
      expect(volume?.fstype).toBe('ext4');
      expect(volume?.options.split(',')).toContain('rw');
      expect(reportOf(facts).mounts.find((m) => m.target === '/sysroot/usr/local')).toMatchObject({
        step: 'mount-volumes',
        source: 'LABEL=COS_PERSISTENT',
        device: volume?.source,
      });
      expect(fstabLines(facts)).toContain('LABEL=COS_PERSISTENT /usr/local ext4 rw 0 0');
      const stateDir = PERSISTENT_STATE_TARGET.slice('/usr/local'.length);
      for (const path of layout.persistentPaths)
        expect(findMount(facts, path)?.source, path).toBe(
          `${volume?.source}[${stateDir}/${bindDirName(path)}]`,
        );
    }
  });

  it('keeps what the first boot wrote on the volume and under persistent paths, not under overlays', () => {
    expect(first.files).toEqual(Object.fromEntries(FILES.map((f) => [f, null])));
    expect(Object.keys(second.files).sort()).toEqual([...FILES].sort());
    for (const f of KEPT) expect(second.files[f]?.trim(), f).toBe(first.bootId);
    for (const f of LOST) expect(second.files[f], f).toBeNull();
  });
});
