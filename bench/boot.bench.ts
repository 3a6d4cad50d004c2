// A disk boot with the Kairos default layout (RW_PATHS /var /etc /srv, 38 persistent paths, OEM,
// COS_PERSISTENT: 46 mounts), each run in a fresh private mount namespace, against a plain shell
// script issuing the same blkid/losetup/mount commands (the floor). Needs root and loop devices.
// Run: npx tsx bench/boot.bench.ts (part of `npm run bench`).
import {existsSync} from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {parseCmdline} from '../src/boot/cmdline.ts';
import {planMounts} from '../src/boot/mount-plan.ts';
import {describeStepMounts} from '../src/boot/mount-specs.ts';
import {planBoot} from '../src/boot/plan.ts';
import {rootTree} from '../test/helpers/boot-disk.ts';
import {makeExt4Image} from '../test/helpers/images.ts';
import {fmt, median} from './stats.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const PERSISTENT =
  '/etc/cni /etc/init.d /etc/iscsi /etc/k0s /etc/kubernetes /etc/modprobe.d /etc/pwx /etc/rancher /etc/runlevels /etc/ssh /etc/ssl/certs /etc/sysconfig /etc/systemd /etc/zfs /home /opt /root /usr/libexec /var/cores /var/log /var/lib/ca-certificates /var/lib/cni /var/lib/containerd /var/lib/calico /var/lib/dbus /var/lib/etcd /var/lib/extensions /var/lib/confexts /var/lib/k0s /var/lib/kubelet /var/lib/longhorn /var/lib/osd /var/lib/rancher /var/lib/rook /var/lib/tailscale /var/lib/wicked /var/lib/kairos';
const LAYOUT = `RW_PATHS="/var /etc /srv"\nPERSISTENT_STATE_PATHS="${PERSISTENT}"\nVOLUMES="LABEL=COS_PERSISTENT:/usr/local"\nOVERLAY="tmpfs:25%"\n`;
const CMDLINE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img console=ttyS0';
const RUNS = 7;

interface Setup {
  base: string;
  root: string;
  loops: string[];
}

async function setUp(): Promise<Setup> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'immucore-bench-'));
  const images = path.join(base, 'images');
  const root = path.join(base, 'root');
  await fs.mkdir(images);
  const active = await makeExt4Image({
    dir: images,
    label: 'COS_ACTIVE',
    name: 'active.img',
    tree: rootTree('active', {'usr/libexec': {dir: true}}),
    sizeMiB: 24,
  });
  const parts: Array<[string, Record<string, {copyFrom: string} | string>]> = [
    ['COS_STATE', {'cOS/active.img': {copyFrom: active}}],
    ['COS_OEM', {'x.yaml': '#cloud-config\n'}],
    ['COS_PERSISTENT', {}],
  ];
  const loops: string[] = [];
  for (const [label, tree] of parts) {
    const file = await makeExt4Image({dir: images, label, tree, sizeMiB: 64, journal: true});
    loops.push((await execa('losetup', ['--find', '--show', file])).stdout.trim());
  }
  await fs.mkdir(path.join(root, 'proc'), {recursive: true});
  await fs.writeFile(path.join(root, 'proc/cmdline'), CMDLINE);
  return {base, root, loops};
}

/** The same mounts as a shell script: what the shell dracut modules did, one process per command. */
function shellScript(root: string): string {
  const config = parseCmdline(CMDLINE);
  const plan = planBoot(config);
  const mounts = describeStepMounts(plan, planMounts(config, {layout: LAYOUT}));
  const r = (p: string) => `${root}${p}`;
  const lines = [
    'set -e',
    `mkdir -p ${r('/tmp')} ${r('/run/initramfs/cos-state')} ${r('/run/overlay')} ${r('/sysroot')} ${r('/run/cos')}`,
    `echo 1 > ${r('/run/cos/active_mode')}`,
  ];
  const byLabel = (label: string) => `$(blkid -c /dev/null -l -o device -t ${label})`;
  for (const step of plan.steps) {
    for (const m of mounts[step.name] ?? []) {
      const opts = m.options.join(',');
      if (step.name === 'mount-root') {
        lines.push(
          `loop=$(losetup --find --show --read-only ${r(plan.image ?? '')})`,
          `mount -o ${opts} $loop ${r(m.target)}`,
        );
      } else if (m.source.startsWith('LABEL=')) {
        lines.push(`mkdir -p ${r(m.target)}`, `mount -o ${opts} ${byLabel(m.source)} ${r(m.target)}`);
      } else if (m.fstype === 'overlay') {
        const dirs = m.options
          .filter((o) => /^(upper|work)dir=/.test(o))
          .map((o: string) => r(o.split('=')[1] ?? ''));
        lines.push(
          `mkdir -p ${dirs.join(' ')}`,
          `mount -t overlay overlay -o ${m.options.map((o) => o.replace('=/', `=${root}/`)).join(',')} ${r(m.target)}`,
        );
      } else if (m.fstype === 'none') {
        lines.push(`mkdir -p ${r(m.source)} ${r(m.target)}`, `mount --bind ${r(m.source)} ${r(m.target)}`);
      } else {
        lines.push(`mount -t ${m.fstype} -o ${opts} ${m.source} ${r(m.target)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Wall time of one boot in a fresh namespace: /run, /tmp and /sysroot start empty (a reboot), the
 * layout file is where the rootfs stage would have put it, and the loop devices the run attached
 * are detached after (its namespace, and so its mounts, are gone by then).
 */
async function bootOnce(s: Setup, argv: string[]): Promise<number> {
  await Promise.all(
    ['run', 'tmp', 'sysroot'].map((d) => fs.rm(path.join(s.root, d), {recursive: true, force: true})),
  );
  await fs.mkdir(path.join(s.root, 'run/cos'), {recursive: true});
  await fs.writeFile(path.join(s.root, 'run/cos/cos-layout.env'), LAYOUT);
  const loops = async () =>
    (await execa('losetup', ['--list', '--noheadings', '--output', 'NAME'])).stdout
      .split('\n')
      .map((l) => l.trim());
  const before = new Set(await loops());
  const t0 = performance.now();
  const r = await execa('unshare', ['--mount', '--propagation', 'private', '--', ...argv], {
    reject: false,
    all: true,
  });
  const ms = performance.now() - t0;
  for (const dev of (await loops()).filter((d) => d && !before.has(d)))
    await execa('losetup', ['-d', dev], {reject: false});
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}:\n${r.all}`);
  return ms;
}

export async function benchBoot(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('boot benchmark: skipped, needs root (loop devices, mounts)');
    return;
  }
  const s = await setUp();
  try {
    const script = path.join(s.base, 'boot.sh');
    await fs.writeFile(script, shellScript(s.root));
    const devices = s.loops.map((l) => path.basename(l)).join(',');
    const compiled = path.join(REPO, 'dist/immucore');
    const dev = ['node', path.join(REPO, 'bin/immucore.js'), 'run', '--root', s.root, '--devices', devices];
    const runners: Array<[string, string[]]> = [
      ['shell script (same commands)', ['sh', script]],
      ...(existsSync(compiled)
        ? [
            ['immucore run (dist/immucore)', [compiled, 'run', '--root', s.root, '--devices', devices]] as [
              string,
              string[],
            ],
          ]
        : []),
      ['immucore run (node + tsx, dev)', dev],
    ];
    // One untimed boot seeds the state dirs (first-boot copy-up): what every later boot finds.
    await bootOnce(s, dev);
    const times = new Map<string, number[]>(runners.map(([n]) => [n, []]));
    const spans: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const [name, argv] of runners) {
        times.get(name)?.push(await bootOnce(s, argv));
        if (argv[0] === compiled)
          spans.push(
            JSON.parse(await fs.readFile(path.join(s.root, 'run/immucore/report.json'), 'utf8')).durationMs,
          );
      }
    }
    const mounts = (await fs.readFile(script, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('mount ')).length;
    console.log(
      `disk boot, Kairos default layout (${mounts} mounts), median of ${RUNS} runs, each in a fresh mount namespace:`,
    );
    const shell = median(times.get(runners[0]?.[0] ?? '') ?? []);
    for (const [name] of runners) {
      const m = median(times.get(name) ?? []);
      console.log(`  ${name.padEnd(34)} ${fmt(m).padStart(9)}   ratio to shell ${(m / shell).toFixed(2)}`);
    }
    if (spans.length)
      console.log(
        `  immucore's own span (report.json durationMs, dist binary): median ${fmt(median(spans))}`,
      );
  } finally {
    await execa('rm', ['-rf', s.base]);
    for (const l of s.loops) await execa('losetup', ['-d', l], {reject: false});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBoot();
