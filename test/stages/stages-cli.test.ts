// `immucore stages list` and `immucore stages run` on a tree (the compiled binary, as shipped).
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {ENTRY} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {installBusybox} from './busybox.ts';

const t = withTempRoot();
const OVERLAYS = path.resolve(import.meta.dirname, '../../overlays');

async function immucore(...args: string[]) {
  const [cmd, ...pre] = ENTRY.compiled;
  return execa(cmd, [...pre, ...args], {reject: false, all: true});
}

/** An image-like tree: the default configs in /system/oem, a user config in /oem. */
async function makeTree(cmdline = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img') {
  await fs.cp(path.join(OVERLAYS, 'system'), t.path('system'), {recursive: true});
  await fs.mkdir(t.path('oem'), {recursive: true});
  await fs.writeFile(
    t.path('oem/90_user.yaml'),
    'stages:\n  rootfs:\n    - name: user step\n      commands: ["echo user > /run/user-step"]\n      git: {}\n',
  );
  await fs.mkdir(t.path('proc'), {recursive: true});
  await fs.writeFile(t.path('proc/cmdline'), `${cmdline}\n`);
}

describe('immucore stages list', () => {
  it('shows the default configs and the user config, in order, with files and lines', async () => {
    await makeTree();
    const r = await immucore('stages', 'list', '--root', t.root, '--stage', 'rootfs');
    expect(r.exitCode, r.all).toBe(0);
    const lines = r.stdout.split('\n');
    const steps = lines.filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.trim());
    expect(steps).toEqual([
      '1. "Layout for active and passive boots"  /system/oem/05_immucore-layout.yaml:8 stages.rootfs[0]',
      '2. "Layout for recovery and reset boots"  /system/oem/05_immucore-layout.yaml:57 stages.rootfs[1]',
      '3. "user step"  /oem/90_user.yaml:3 stages.rootfs[0]',
      '4. "Add the machine\'s custom paths to the layout"  /system/oem/05_immucore-layout.yaml:65 stages.rootfs.after[0]',
    ]);
    expect(r.stdout).toMatch(/rootfs stage, seen from \/: 4 step\(s\) from 2 source\(s\)/);
    expect(r.stdout).toMatch(
      /environment → \/run\/cos\/cos-layout\.env \(VOLUMES, OVERLAY, RW_PATHS, PERSISTENT_STATE_PATHS\)/,
    );
    expect(r.stdout).toMatch(/unsupported: git: immucore does not run git/);
  });

  it('--json lists both stages; an invalid file exits 2', async () => {
    await makeTree();
    await fs.writeFile(t.path('oem/95_bad.yaml'), 'stages: [\n');
    const r = await immucore('stages', 'list', '--root', t.root, '--json');
    expect(r.exitCode, r.all).toBe(2);
    const json = JSON.parse(r.stdout) as {
      stages: Array<{stage: string; steps: unknown[]; errors: Array<{message: string}>}>;
    };
    expect(json.stages.map((s) => [s.stage, s.steps.length])).toEqual([
      ['rootfs', 4],
      ['initramfs', 0],
    ]);
    expect(json.stages[0]?.errors[0]?.message).toMatch(/^\/oem\/95_bad\.yaml:\d+:\d+: YAML syntax error/);
  });
});

describe('immucore stages run', () => {
  it('--dry-run prints the plan and runs nothing', async () => {
    await makeTree();
    const r = await immucore('stages', 'run', 'rootfs', '--root', t.root, '--dry-run');
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/"user step"/);
    await expect(fs.access(t.path('run/user-step'))).rejects.toThrow(/ENOENT/);
  });

  it('runs the rootfs stage chrooted in the root and writes the layout', async () => {
    await makeTree();
    await installBusybox(t.root);
    await fs.mkdir(t.path('run/cos'), {recursive: true});
    await fs.writeFile(t.path('run/cos/passive_mode'), '1');
    const r = await immucore('stages', 'run', 'rootfs', '--root', t.root);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/rootfs stage: 2 ran, 2 skipped, 0 failed/);
    expect(await fs.readFile(t.path('run/user-step'), 'utf8')).toBe('user\n');
    expect(await fs.readFile(t.path('run/cos/cos-layout.env'), 'utf8')).toMatch(
      /^VOLUMES="LABEL=COS_PERSISTENT:\/usr\/local"$/m,
    );
  });

  it('exits 1 and names the step when one failed', async () => {
    await makeTree();
    await installBusybox(t.root);
    await fs.writeFile(
      t.path('oem/99_fail.yaml'),
      'stages:\n  rootfs: [{name: fails, commands: ["exit 5"]}]\n',
    );
    const r = await immucore('stages', 'run', 'rootfs', '--root', t.root);
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toMatch(
      /failed: rootfs "fails" \(\/oem\/99_fail\.yaml:2 stages\.rootfs\[0\]\) failed: commands: .*exited 5/,
    );
  });

  it('rejects an unknown stage', async () => {
    const r = await immucore('stages', 'run', 'boot', '--root', t.root);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/Expected boot to be one of: rootfs, initramfs/);
  });
});
