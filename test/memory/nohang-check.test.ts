// nohang itself judges every file immucore renders: each preset, from the built-in key list and
// from the packaged defaults of the nohang installed here, with overrides and rules; and the
// built-in copy of nohang 0.2.0's key list is checked against the packaged file.
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {builtinBase, decideBase, PACKAGED_CONF, PACKAGED_DESKTOP_CONF} from '../../src/memory/base.ts';
import {NOHANG_KEYS, parseNohangConf} from '../../src/memory/nohang-keys.ts';
import type {PolicyBlock} from '../../src/memory/policy.ts';
import {DESKTOP_RULES} from '../../src/memory/presets.ts';
import {policyFromData} from '../../src/memory/read-policy.ts';
import {renderNohangConf} from '../../src/memory/render.ts';
import {decideMemoryPolicy} from '../../src/memory/resolve.ts';
import {ENTRY} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import {nohangCheck, nohangPath} from './nohang.ts';

const t = withTempRoot();
const MEMINFO_512 = 'MemTotal:         524288 kB\nMemFree:          400000 kB\nMemAvailable:     409600 kB\n';

async function packaged() {
  const read = (f: string) => fs.readFile(f, 'utf8');
  return {
    nohang: decideBase('nohang', await read(PACKAGED_CONF), PACKAGED_CONF).base,
    desktop: decideBase('desktop', await read(PACKAGED_DESKTOP_CONF), PACKAGED_DESKTOP_CONF).base,
  };
}

const OVERRIDES = {
  mem: {warning: '25%', soft: '8%', hard: '48M'},
  swap: {soft: '256M', hard: '3%'},
  zram: {enabled: true, soft: '50%', hard: '70%'},
  psi: {enabled: true, metric: 'some_avg60', duration: 5, warning: 5, soft: 30, hard: 80},
  protect: ['^sshd$', {cgroup: '/system\\.slice/k3s\\.service$'}, {cgroup_v1: '^/system\\.slice/'}],
  prefer: [{cmdline: '--type=renderer'}, {cmdline: '--type=gpu'}, {realpath: '^/usr/bin/stress', adj: 900}],
  soft_actions: [
    {name: '^myapp$', command: 'kill -USR1 $PID'},
    {cgroup: '/myapp\\.service$', command: 'systemctl restart $SERVICE'},
  ],
};

describe('nohang --check on rendered files', () => {
  const cases = ['server', 'desktop', 'recovery'].flatMap((preset) =>
    ['built-in', 'packaged'].flatMap((base) => [false, true].map((overrides) => ({preset, base, overrides}))),
  );
  it.each(cases)(
    'accepts $preset from the $base key list (overrides: $overrides)',
    async ({preset, base, overrides}) => {
      nohangPath();
      const bases =
        base === 'packaged'
          ? await packaged()
          : {nohang: builtinBase('nohang'), desktop: builtinBase('desktop')};
      const blocks = overrides
        ? [policyFromData({preset, ...OVERRIDES}, '/oem/90.yaml', 524288).block as PolicyBlock]
        : [];
      const policy = decideMemoryPolicy({
        ...(overrides ? {} : {cmdline: preset}),
        blocks,
        state: 'active',
        bases,
      });
      expect(policy.errors).toEqual([]);
      expect(policy.preset).toBe(preset);
      const file = path.join(t.base, `${preset}.conf`);
      await fs.writeFile(file, renderNohangConf(policy) as string);
      const check = await nohangCheck(file);
      expect(check.exitCode, check.output).toBe(0);
      expect(check.output).toMatch(/config is OK/);
      if (overrides) expect(check.output).toMatch(/--type=gpu/);
    },
  );

  it('refuses a file with a key left out: what immucore never renders', async () => {
    const policy = decideMemoryPolicy({
      cmdline: 'server',
      blocks: [],
      state: 'active',
      bases: await packaged(),
    });
    const text = (renderNohangConf(policy) as string).replace(/^min_badness = .*$/m, '');
    const file = path.join(t.base, 'broken.conf');
    await fs.writeFile(file, text);
    expect((await nohangCheck(file)).output).toMatch(/missing key "min_badness"/);
  });
});

describe('the built-in nohang 0.2.0 key list', () => {
  it('is the packaged nohang.conf: the same keys, order and defaults', async () => {
    nohangPath();
    const conf = parseNohangConf(await fs.readFile(PACKAGED_CONF, 'utf8'));
    expect(conf.entries).toEqual(NOHANG_KEYS.map((k) => [k.key, k.value]));
  });
  it("is the packaged nohang-desktop.conf: the same keys, the desktop's values and its @ rules", async () => {
    const conf = parseNohangConf(await fs.readFile(PACKAGED_DESKTOP_CONF, 'utf8'));
    expect(conf.entries).toEqual(builtinBase('desktop').entries);
    expect(conf.rules).toEqual(DESKTOP_RULES);
  });
});

describe('immucore memory (the compiled binary)', () => {
  const memory = (...args: string[]) =>
    execa(ENTRY.compiled[0], ['memory', ...args, '--root', t.root], {reject: false, all: true});

  it('render --state recovery prints a file nohang accepts', async () => {
    await fs.mkdir(t.path('proc'), {recursive: true});
    await fs.writeFile(t.path('proc/cmdline'), 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img\n');
    await fs.writeFile(t.path('proc/meminfo'), MEMINFO_512);
    const r = await memory('render', '--state', 'recovery');
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(
      /^# Generated by immucore from preset recovery \(the default for recovery boots\)/,
    );
    const file = path.join(t.base, 'cli.conf');
    await fs.writeFile(file, r.stdout);
    const check = await nohangCheck(file);
    expect(check.exitCode, check.output).toBe(0);
  });

  it('show names each value and its source; check runs nohang --check', async () => {
    await fs.mkdir(t.path('oem'), {recursive: true});
    await fs.mkdir(t.path('proc'), {recursive: true});
    await fs.writeFile(t.path('proc/cmdline'), 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img\n');
    await fs.writeFile(t.path('proc/meminfo'), MEMINFO_512);
    await fs.writeFile(
      t.path('oem/90_memory.yaml'),
      'memory_policy:\n  mem: {soft: 12%}\n  protect: ["^k3s$"]\n',
    );
    const show = await memory('show');
    expect(show.exitCode, show.all).toBe(0);
    expect(show.stdout).toMatch(
      /^memory policy: server \(the default for active boots\), for this active boot$/m,
    );
    expect(show.stdout).toMatch(/^ {2}soft_threshold_min_mem = 12 % +\/oem\/90_memory\.yaml:2$/m);
    expect(show.stdout).toMatch(
      /^budget: MemTotal 512 MiB, overlay tmpfs:20% = 102\.4 MiB, 409\.6 MiB left$/m,
    );
    const json = JSON.parse((await memory('show', '--json')).stdout);
    expect(json).toMatchObject({
      preset: 'server',
      overrides: [{key: 'soft_threshold_min_mem', value: '12 %'}],
    });
    const check = await memory('check');
    expect(check.exitCode, check.all).toBe(0);
    expect(check.stdout).toMatch(/nohang --check: config is OK/);

    await fs.writeFile(t.path('oem/90_memory.yaml'), 'memory_policy:\n  mem: {soft: 70%}\n');
    const bad = await memory('check');
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toMatch(
      /memory_policy\.mem\.soft \(soft_threshold_min_mem\) "70%" is out of range: nohang 0\.2\.0 accepts 0 % to 50 % of RAM/,
    );
    expect(bad.stdout).toMatch(/Try: Write a share of RAM from 0% to 50%/);
  });

  it('render --policy tries a file instead of the cloud-configs and the cmdline preset', async () => {
    await fs.mkdir(t.path('proc'), {recursive: true});
    await fs.writeFile(t.path('proc/cmdline'), 'root=LABEL=COS_ACTIVE rd.immucore.memory=off\n');
    const policy = path.join(t.base, 'policy.yaml');
    await fs.writeFile(policy, 'memory_policy: {preset: desktop, psi: {hard: 70}}\n');
    const r = await execa(ENTRY.compiled[0], ['memory', 'render', '--root', t.root, '--policy', policy], {
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^hard_threshold_max_psi = 70$/m);
    expect(r.stdout).toMatch(/^post_action_gui_notifications = True$/m);
  });
});
