// Kairos-shaped cloud-configs on a real Debian root (the VM suite's cached debootstrap root, under
// overlays so the cache stays read-only): conditions decided on its os-release and systemctl,
// ensure_entities then useradd completing group admin, a templated host name from its machine-id,
// units made and enabled in the initramfs stage, and a second run that rewrites nothing.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {stagePlansToJson} from '../../src/stages/list-view.ts';
import {CloudConfigStages, planStageFromSys} from '../../src/stages/runner.ts';
import {buildDebianRoot} from '../../vm-tests/lib/debian-root.ts';
import {stageContext} from '../fakes/stage-context.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const t = withTempRoot();
let debian: string;

beforeAll(async () => {
  debian = (await buildDebianRoot()).dir;
}, 900_000);

/** An overlay of the Debian root at `target`, its writable layer under the test's base dir. */
async function overlayDebian(target: string, name: string): Promise<void> {
  const upper = path.join(t.base, `${name}-upper`);
  const work = path.join(t.base, `${name}-work`);
  await fs.mkdir(upper, {recursive: true});
  await fs.mkdir(work, {recursive: true});
  await fs.mkdir(target, {recursive: true});
  await execa('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${debian},upperdir=${upper},workdir=${work}`,
    target,
  ]);
}

const ROOTFS_CONFIG = `name: "Kairos-like rootfs"
stages:
  rootfs.before:
    - name: "journal"
      only_service_manager: "systemd"
      directories: [{path: /var/log/journal, permissions: 0755}]
  rootfs:
    - name: "Debian persistent paths"
      only_os: "Ubuntu.*|Debian.*"
      environment_file: /run/cos/extra-layout.env
      environment:
        PERSISTENT_STATE_PATHS: "/snap /var/lib/snapd"
    - name: "openSUSE only"
      only_os: "openSUSE.*"
      commands: ["touch /run/cos/suse"]
    - name: "openrc only"
      only_service_manager: "openrc"
      commands: ["touch /run/cos/openrc"]
`;

const INITRAMFS_CONFIG = `name: "Kairos-like initramfs"
stages:
  initramfs:
    - name: "admin group"
      ensure_entities:
        - entity: |
            kind: "group"
            group_name: "admin"
            password: "x"
            gid: 900
    - name: "kairos user"
      users:
        kairos:
          groups: [admin]
          shell: /bin/bash
          homedir: /home/kairos
      commands: ["chown -R root:admin /oem"]
    - name: "hostname"
      hostname: "kairos-{{ trunc 4 .MachineID }}"
    - name: "setup units"
      only_service_manager: "systemd"
      files:
        - path: /etc/systemd/system/cos-setup-boot.service
          permissions: 0644
          content: |
            [Unit]
            Description=cos setup at boot
            [Service]
            Type=oneshot
            ExecStart=/bin/true
            [Install]
            WantedBy=multi-user.target
      systemctl:
        enable: [cos-setup-boot.service]
    - name: "os facts"
      commands: ['echo "{{ .Values.os.vendor }} {{ .Values.os.version }}" > /etc/kairos-os']
`;

beforeEach(async () => {
  await overlayDebian(t.root, 'initramfs');
  await overlayDebian(t.path('sysroot'), 'sysroot');
  for (const d of ['oem', 'run/cos', 'sysroot/oem']) await fs.mkdir(t.path(d), {recursive: true});
  await fs.writeFile(t.path('oem/10_rootfs.yaml'), ROOTFS_CONFIG);
  await fs.writeFile(t.path('sysroot/oem/20_initramfs.yaml'), INITRAMFS_CONFIG);
  await fs.writeFile(t.path('sysroot/etc/machine-id'), 'a1b2c3d4e5f60718293a4b5c6d7e8f90\n');
});

const read = (p: string) => fs.readFile(t.path(p), 'utf8');

describe('Kairos-shaped configs on a Debian root', () => {
  it('runs rootfs then initramfs as yip would, and a second run rewrites nothing', async () => {
    const plans = await Promise.all(
      (['rootfs', 'initramfs'] as const).map((s) => planStageFromSys(t.sys, s, stageContext(t.sys).config)),
    );
    const listed = stagePlansToJson(plans).stages.flatMap((s) => s.steps);
    expect(
      listed.filter((s) => !s.runs).map((s) => [s.name, s.conditions.map((c) => c.reason).join('; ')]),
    ).toEqual([
      [
        'openSUSE only',
        expect.stringMatching(/"Debian GNU\/Linux 12 \(bookworm\)" does not match \/openSUSE\.\*\//),
      ],
      ['openrc only', 'the root has no openrc in /sbin, /bin, /usr/sbin or /usr/bin'],
    ]);
    expect(plans.flatMap((p) => p.unsupported)).toEqual([]);

    const runner = new CloudConfigStages();
    const ctx = stageContext(t.sys);
    await runner.runStage('rootfs', ctx);
    await runner.runStage('initramfs', ctx);
    expect(ctx.failures).toEqual([]);

    expect((await fs.stat(t.path('var/log/journal'))).isDirectory()).toBe(true);
    expect(await read('run/cos/extra-layout.env')).toBe('PERSISTENT_STATE_PATHS="/snap /var/lib/snapd"\n');
    await expect(fs.access(t.path('run/cos/suse'))).rejects.toThrow(/ENOENT/);
    await expect(fs.access(t.path('run/cos/openrc'))).rejects.toThrow(/ENOENT/);

    const group = await read('sysroot/etc/group');
    expect(group).toMatch(/^admin:x:900:kairos$/m);
    expect(await read('sysroot/etc/passwd')).toMatch(/^kairos:x:\d+:\d+::\/home\/kairos:\/bin\/bash$/m);
    expect(await read('sysroot/etc/gshadow')).toMatch(/^admin:.*:kairos$/m);
    expect((await fs.stat(t.path('sysroot/oem'))).gid).toBe(900);
    expect(await read('sysroot/etc/hostname')).toBe('kairos-a1b2\n');
    expect(await read('sysroot/etc/kairos-os')).toBe('debian 12\n');
    expect(
      await fs.readlink(t.path('sysroot/etc/systemd/system/multi-user.target.wants/cos-setup-boot.service')),
    ).toBe('/etc/systemd/system/cos-setup-boot.service');

    const before = await Promise.all(
      ['passwd', 'group', 'shadow', 'gshadow', 'hostname'].map((f) => read(`sysroot/etc/${f}`)),
    );
    const again = stageContext(t.sys);
    await new CloudConfigStages().runStage('rootfs', again);
    await new CloudConfigStages().runStage('initramfs', again);
    expect(again.failures).toEqual([]);
    const after = await Promise.all(
      ['passwd', 'group', 'shadow', 'gshadow', 'hostname'].map((f) => read(`sysroot/etc/${f}`)),
    );
    expect(after).toEqual(before);
  });
});
