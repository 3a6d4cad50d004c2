// Whole boots (`immucore run --root`, the compiled binary) with cloud-config stages: the image's
// default layout config (overlays/) drives the disk plan through the rootfs stage, and an OEM
// config runs chrooted in the new root in the initramfs stage.
import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {makeMachine} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {busyboxTree, installBusybox} from './busybox.ts';

const t = withTempRoot();
const REPO = path.resolve(import.meta.dirname, '../..');
const LAYOUT_CONFIG = path.join(REPO, 'overlays/system/oem/05_immucore-layout.yaml');
const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

const OEM_CONFIG = `#cloud-config
install: {device: auto}
stages:
  initramfs:
    - name: write into the new root
      if: '[ -f /run/cos/active_mode ]'
      files: [{path: /etc/stage-file, content: "from files\\n", permissions: 0640}]
      commands: ['echo "chrooted $(cat /etc/immucore-test-image)" > /etc/stage-command']
      hostname: node-1
      dns: {nameservers: [10.0.0.1]}
      downloads: [{url: "http://example.com/x", path: /etc/x}]
`;

/** An active-only machine whose image carries busybox and the default layout config. */
async function stagedMachine(oem: Record<string, string>) {
  // The rootfs stage runs chrooted in the test root (the "initramfs"): it needs a shell too.
  await installBusybox(t.root);
  return makeMachine(t, {
    images: ['active'],
    oem,
    imageExtra: {
      ...busyboxTree(),
      'system/oem/05_immucore-layout.yaml': {copyFrom: LAYOUT_CONFIG},
      'usr/libexec': {dir: true},
    },
  });
}

describe('a boot with cloud-config stages', () => {
  it('lays the layout the rootfs stage wrote and runs the initramfs stage in the new root', async () => {
    const machine = await stagedMachine({'90_custom.yaml': OEM_CONFIG});
    const {result, report, mounts} = await machine.boot(ACTIVE);
    expect(result.exitCode, result.all).toBe(0);
    expect(report.failures, result.all).toEqual([]);
    expect(report.status).toBe('ok');

    // rootfs stage → cos-layout.env → the disk plan.
    expect(await fs.readFile(t.path('run/cos/cos-layout.env'), 'utf8')).toBe(
      await fs.readFile(path.join(import.meta.dirname, 'golden/active.env'), 'utf8'),
    );
    const at = (target: string) => mounts.filter((m) => m.target === target).at(-1);
    expect(report.mounts.find((m) => m.target === '/run/overlay')?.options).toContain('size=25%');
    for (const p of ['/etc', '/var', '/srv']) expect(at(`/sysroot${p}`)?.fstype, p).toBe('overlay');
    expect(at('/sysroot/home')?.fstype).not.toBe('overlay');
    expect(at('/sysroot/usr/local')).toMatchObject({fstype: 'ext4'});
    expect(report.mounts.filter((m) => m.step === 'mount-persistent')).toHaveLength(37);

    // initramfs stage: chrooted, its writes in the /etc overlay, its binds gone.
    expect(await fs.readFile(t.path('sysroot/etc/stage-command'), 'utf8')).toBe('chrooted active\n');
    expect(await fs.readFile(t.path('run/overlay/etc/.overlay/upper/stage-file'), 'utf8')).toBe(
      'from files\n',
    );
    expect(await fs.readFile(t.path('sysroot/etc/hostname'), 'utf8')).toBe('node-1\n');
    expect(await fs.readFile(t.path('sysroot/etc/resolv.conf'), 'utf8')).toBe('nameserver 10.0.0.1\n');
    for (const d of ['/dev', '/proc', '/sys', '/run', '/tmp']) expect(at(`/sysroot${d}`), d).toBeUndefined();
    expect(report.warnings).toContainEqual(
      expect.objectContaining({
        step: 'initramfs-stage',
        item: 'downloads',
        message: expect.stringMatching(/unsupported directive downloads/),
      }),
    );
  });

  it('a failing stage step degrades the boot, which goes on', async () => {
    const machine = await stagedMachine({
      '10_broken.yaml': 'stages:\n  rootfs.before:\n    - name: broken\n      commands: ["exit 7"]\n',
      '20_bad_yaml.yaml': 'stages:\n  rootfs: [\n',
    });
    const {result, report, mounts} = await machine.boot(ACTIVE);
    expect(result.exitCode, result.all).toBe(0);
    expect(report.status).toBe('degraded');
    // Each problem once per boot, though both stages read /oem.
    expect(report.failures.map((f) => [f.step, f.message])).toEqual([
      ['rootfs-stage', expect.stringMatching(/^\/oem\/20_bad_yaml\.yaml:3:1: YAML syntax error/)],
      [
        'rootfs-stage',
        expect.stringMatching(/^rootfs\.before "broken" \(\/oem\/10_broken\.yaml:3 .*exited 7$/),
      ],
    ]);
    // The layout config of the image still ran.
    expect(mounts.some((m) => m.target === '/sysroot/usr/local')).toBe(true);
  });
});
