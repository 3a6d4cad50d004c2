// Issue 13, scenario 9: the layout names persistent paths the read-only image cannot hold
// (vm-tests/agent/cloud-config/missing-paths.yaml adds them through /run/cos/extra-layout.env):
// /usr/immucore-missing is absent under the read-only /usr (EROFS), /usr/lib/os-release/state lies
// below a regular file of the image (ENOTDIR). Each is a warning with the fix, as an RW path
// missing from the image is; the rest of the layout is mounted and the boot stays ok. Seen from
// the initramfs (lib/initramfs-watch.ts): what matters is settled before switch-root.
import {beforeAll, describe, expect, it} from 'vitest';
import {bindDirName} from '../src/boot/names.ts';
import {diskCmdline} from './lib/expect-boot.ts';
import {bootDisk, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {
  type InitramfsFacts,
  readInitramfsFacts,
  WATCH_END,
  watchFromReportBreak,
} from './lib/initramfs-watch.ts';
import {expectedLayout, PERSISTENT_STATE_TARGET} from './lib/layout.ts';
import type {BootResult} from './lib/qemu.ts';

const NAME = 'missing-path';
const CONFIG = 'kairos.config_url=/system/immucore-test/missing-paths.yaml';
const MISSING = [
  {path: '/usr/immucore-missing', code: 'EROFS'},
  {path: '/usr/lib/os-release/state', code: 'ENOTDIR'},
];

describe('persistent paths the read-only image cannot hold', () => {
  const layout = expectedLayout('active_mode');
  let boot: BootResult;
  let seen: InitramfsFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    boot = await bootDisk(images, await buildStandardDisk(images), {
      name: NAME,
      append: `${diskCmdline('active')} ${CONFIG} rd.immucore.break=report`,
      input: watchFromReportBreak(),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    seen = readInitramfsFacts(NAME);
  });

  it('warns about each path with the fix; the boot is ok and immucore.service succeeded', () => {
    expect(boot.timedOut).toBe(false);
    expect(seen.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    expect(seen.report.status).toBe('ok');
    expect(seen.report.failures).toEqual([]);
    const warnings = seen.report.warnings.filter((w) => w.step === 'mount-persistent');
    expect(warnings.map((w) => w.item)).toEqual(MISSING.map((m) => m.path));
    for (const {path, code} of MISSING) {
      const w = warnings.find((x) => x.item === path);
      expect(w?.message).toMatch(
        new RegExp(
          `^Cannot create the mountpoint ${path}: it is not in the image and no RW path or volume holds it \\(.*${code}`,
        ),
      );
      expect(w?.hint).toBe(`Create ${path} in the image, or add a parent of it to RW_PATHS.`);
      expect(boot.log).toContain(`${path}: Cannot create the mountpoint ${path}`);
      expect(seen.mounts.find((m) => m.target === `/sysroot${path}`)).toBeUndefined();
    }
  });

  it('mounts the rest of the layout: every RW path overlay and every other persistent bind', () => {
    for (const path of layout.rwPaths) {
      const m = seen.mounts.find((x) => x.target === `/sysroot${path}`);
      expect(m, path).toMatchObject({fstype: 'overlay', source: 'overlay'});
    }
    const volume = seen.mounts.find((m) => m.target === '/sysroot/usr/local');
    expect(volume?.fstype).toBe('ext4');
    const state = PERSISTENT_STATE_TARGET.slice('/usr/local'.length);
    for (const path of layout.persistentPaths) {
      const m = seen.mounts.find((x) => x.target === `/sysroot${path}`);
      expect(m?.source, path).toBe(`${volume?.source}[${state}/${bindDirName(path)}]`);
    }
    expect(
      seen.report.steps.filter((s) => s.name !== 'report' && s.outcome !== 'ok').map((s) => s.name),
    ).toEqual([]);
  });
});
