// The initramfs stage for real: chrooted in a busybox /sysroot with the initramfs's /dev, /proc,
// /sys, /run and /tmp bound in, a hung step killed with its whole process group at its timeout,
// and every bind gone afterwards, also when steps failed.
import fs from 'node:fs/promises';
import {execa} from 'execa';
import {beforeEach, describe, expect, it} from 'vitest';
import {CloudConfigStages} from '../../src/stages/runner.ts';
import {stageContext} from '../fakes/stage-context.ts';
import {mountsUnder} from '../helpers/boot-disk.ts';
import {membersOf} from '../helpers/process-group.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {installBusybox} from './busybox.ts';

const t = withTempRoot();
const KERNEL_FS = ['dev', 'proc', 'sys'];

// The test root plays the initramfs: the kernel's filesystems bound in, /run/cos with a sentinel;
// its /sysroot is a plain busybox tree.
beforeEach(async () => {
  for (const d of [
    ...KERNEL_FS,
    'run/cos',
    'tmp',
    'sysroot/etc',
    'sysroot/oem',
    ...['dev', 'proc', 'sys', 'run', 'tmp'].map((d) => `sysroot/${d}`),
  ])
    await fs.mkdir(t.path(d), {recursive: true});
  for (const d of KERNEL_FS) await execa('mount', ['--bind', `/${d}`, t.path(d)]);
  await fs.writeFile(t.path('run/cos/active_mode'), '1');
  await installBusybox(t.path('sysroot'));
});

async function runInitramfs(config: string, runner = new CloudConfigStages()) {
  await fs.writeFile(t.path('sysroot/oem/50_test.yaml'), config);
  const ctx = stageContext(t.sys);
  const started = Date.now();
  await runner.runStage('initramfs', ctx);
  return {ctx, ms: Date.now() - started};
}

const bindsLeft = async () =>
  (await mountsUnder(t.root)).map((m) => m.target).filter((p) => p.startsWith('/sysroot'));

describe('the initramfs stage', () => {
  it('runs chrooted in /sysroot, sees /run and /proc, and leaves its files in the new root', async () => {
    const {ctx} = await runInitramfs(`stages:
  initramfs.before:
    - name: only on active boots
      if: '[ -f /run/cos/active_mode ]'
      files: [{path: /etc/motd, content: "welcome\\n", permissions: 0640}]
  initramfs:
    - name: commands in the chroot
      commands:
        - 'test -r /proc/self/stat && echo proc > /etc/seen'
        - 'echo "$(cat /run/cos/active_mode) $(ls /oem)" >> /etc/seen'
      environment: {FROM_STAGE: "yes it is"}
      hostname: node-1
    - name: never on active boots
      if: '[ -f /run/cos/recovery_mode ]'
      commands: ['touch /etc/wrong']
`);
    expect(ctx.failures).toEqual([]);
    const etc = (p: string) => fs.readFile(t.path(`sysroot/etc/${p}`), 'utf8');
    expect(await etc('motd')).toBe('welcome\n');
    expect((await fs.stat(t.path('sysroot/etc/motd'))).mode & 0o777).toBe(0o640);
    expect(await etc('seen')).toBe('proc\n1 50_test.yaml\n');
    expect(await etc('environment')).toBe('FROM_STAGE="yes it is"\n');
    expect(await etc('hostname')).toBe('node-1\n');
    await expect(fs.access(t.path('sysroot/etc/wrong'))).rejects.toThrow(/ENOENT/);
    expect(await bindsLeft()).toEqual([]);
  });

  it('kills a hung step and its background children at its timeout; the next step runs', async () => {
    const {ctx, ms} = await runInitramfs(`stages:
  initramfs:
    - name: hangs
      timeout: 1
      commands: ['echo $$ > /tmp/pgid; sleep 60 & sleep 60']
    - name: after
      commands: ['touch /etc/after']
`);
    expect(ms).toBeLessThan(10_000);
    expect(ctx.failures).toHaveLength(1);
    expect(ctx.failures[0]?.message).toMatch(
      /^initramfs "hangs" \(\/oem\/50_test\.yaml:3 stages\.initramfs\[0\]\) failed \(its timeout of 1 s was reached\): commands: .*timed out after \d+ ms; its process group was killed/,
    );
    const pgid = Number((await fs.readFile(t.path('tmp/pgid'), 'utf8')).trim());
    expect(pgid).toBeGreaterThan(1);
    expect(membersOf(pgid)).toEqual([]);
    await fs.access(t.path('sysroot/etc/after'));
    expect(await bindsLeft()).toEqual([]);
  });

  it('unbinds everything even when every step failed', async () => {
    const {ctx} = await runInitramfs(`stages:
  initramfs:
    - {name: one, commands: ['exit 3']}
    - {name: two, commands: ['grep -q " /proc " /proc/self/mountinfo && exit 4']}
`);
    expect(ctx.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/"one" .* failed: commands: .*exited 3/),
      expect.stringMatching(/"two" .* failed: commands: .*exited 4/),
    ]);
    expect(await bindsLeft()).toEqual([]);
  });

  it('the memory guard can kill the running step by its process group', async () => {
    const runner = new CloudConfigStages();
    const watch = setInterval(() => {
      if (runner.runningStep?.processGroup !== undefined) runner.killRunningStep('memory pressure');
    }, 50);
    try {
      const {ctx, ms} = await runInitramfs(
        'stages:\n  initramfs: [{name: hog, commands: ["sleep 60"]}]\n',
        runner,
      );
      expect(ms).toBeLessThan(10_000);
      expect(ctx.failures[0]?.message).toMatch(/"hog" .* failed \(stopped: memory pressure\)/);
    } finally {
      clearInterval(watch);
    }
    expect(await bindsLeft()).toEqual([]);
  });
});
