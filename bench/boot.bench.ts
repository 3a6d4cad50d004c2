// A disk boot with the Kairos default layout (RW_PATHS /var /etc /srv, 38 persistent paths, OEM,
// COS_PERSISTENT: 46 mounts), each run in a fresh private mount namespace, against a plain shell
// script issuing the same blkid/losetup/mount commands (the floor). Needs root and loop devices.
// Each boot's wall time and CPU time (user + sys of the whole process tree: bash's `times` for its
// waited children, which include every process the boot spawned and waited for). Steady state
// (state dirs already seeded) and first boot (the persistent volume's state removed before each run).
// `--cpu-quota 10` runs the shell and the compiled binary again in a cgroup v1 `cpu` controller
// limited to 10 % of one core (a slow edge CPU): on a small CPU the CPU time is the boot time.
// Run: npx tsx bench/boot.bench.ts [--cpu-quota 10] [--runs 7] (part of `npm run bench`).
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
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
const {values: flags} = parseArgs({
  options: {
    'cpu-quota': {type: 'string'},
    runs: {type: 'string', default: '7'},
    // Prefix the compiled binary's boots with a profiler, e.g. --wrap 'strace -f -c -o /tmp/s'.
    wrap: {type: 'string'},
    // Other binaries measured beside dist/immucore (before/after a change, a bisection), e.g. saved
    // builds; repeat the flag for several. Each is named by its path.
    baseline: {type: 'string', multiple: true},
    // Leave out the node + tsx development run (slow, and not what a boot runs).
    'skip-dev': {type: 'boolean', default: false},
  },
  allowPositionals: false,
});
const RUNS = Number(flags.runs);
const UNIT = path.join(REPO, 'dracut/28immucore/immucore.service');
const COPY_UP = 'shell script + copy-up';

/**
 * The `Environment=` of the initramfs unit that runs `immucore run` (JSC options): the compiled
 * binary is measured as the boot starts it. `KEY=VALUE` words, as systemd splits an unquoted line.
 */
export function unitEnvironment(unitText: string): string[] {
  return unitText
    .split('\n')
    .filter((l) => l.startsWith('Environment='))
    .flatMap((l) => l.slice('Environment='.length).trim().split(/\s+/))
    .filter((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
}
const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';

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

/**
 * The same mounts as a shell script: what the shell dracut modules did, one process per command.
 * `copyUp`: also seed each persistent path's state dir on first use, as the cOS immutable-rootfs
 * module did (a `cp -a` of the path from the root when its state dir does not exist yet, then the
 * bind), so a first boot is compared with the same work; the bare script binds empty state dirs.
 */
function shellScript(root: string, loops: string[], variant: {copyUp?: boolean} = {}): string {
  const config = parseCmdline(CMDLINE);
  const plan = planBoot(config);
  const mounts = describeStepMounts(plan, planMounts(config, {layout: LAYOUT}));
  const r = (p: string) => `${root}${p}`;
  const lines = [
    'set -e',
    `mkdir -p ${r('/tmp')} ${r('/run/initramfs/cos-state')} ${r('/run/overlay')} ${r('/sysroot')} ${r('/run/cos')}`,
    `echo 1 > ${r('/run/cos/active_mode')}`,
  ];
  // Only this setup's disks, as immucore's --devices: benches running beside this one attach disks
  // with the same labels, and a script that mounted theirs raced their clean-up (exit 32).
  const byLabel = (label: string) => `$(blkid -c /dev/null -o device -t ${label} ${loops.join(' ')})`;
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
      } else if (m.fstype === 'none' && variant.copyUp) {
        // The path as the image (under its overlay) has it; no fsync, as the module had none.
        const [state, from] = [r(m.source), r(m.target)];
        lines.push(
          `if [ ! -e ${state} ]; then mkdir -p ${state}; if [ -d ${from} ]; then cp -a ${from}/. ${state}/; fi; fi`,
          `mkdir -p ${from}`,
          `mount --bind ${state} ${from}`,
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

/** One boot's figures, in milliseconds. */
interface Sample {
  wall: number;
  /** user + sys of the boot's whole process tree. */
  cpu: number;
}

/**
 * One boot in a fresh namespace: /run, /tmp and /sysroot start empty (a reboot), the layout file is
 * where the rootfs stage would have put it, and the loop devices the run attached are detached after
 * (its namespace, and so its mounts, are gone by then). `cgroup`: run it in that cpu cgroup.
 * `firstBoot`: remove the persistent state first, so the boot seeds every state dir again.
 */
async function bootOnce(
  s: Setup,
  argv: string[],
  opts: {cgroup?: string; firstBoot?: boolean} = {},
): Promise<Sample> {
  await Promise.all(
    ['run', 'tmp', 'sysroot'].map((d) => fs.rm(path.join(s.root, d), {recursive: true, force: true})),
  );
  await fs.mkdir(path.join(s.root, 'run/cos'), {recursive: true});
  await fs.writeFile(path.join(s.root, 'run/cos/cos-layout.env'), LAYOUT);
  if (opts.firstBoot) await clearPersistentState(s);
  // The boot's own loop devices: those backed by a file on this setup's COS_STATE (the root
  // image). Not "every new loop": another bench running beside this one attaches its own disks
  // meanwhile, and detaching them made its boots wait for their COS_STATE in vain.
  const stateDev = await fs.stat(s.loops[0] ?? '');
  const backing = `${(stateDev.rdev >> 8) & 0xfff}:${(stateDev.rdev & 0xff) | ((stateDev.rdev >> 12) & 0xfff00)}`;
  const loops = async () =>
    (await execa('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-MAJ:MIN'])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, back]) => back === backing)
      .map(([name]) => name ?? '');
  const before = new Set(await loops());
  const timesFile = path.join(s.base, 'times');
  // bash's `times` prints its children's user and sys time: the boot and every process it waited for.
  const wrapper = [
    'bash',
    '-c',
    'if [ -n "$CG" ]; then echo $$ > "$CG/tasks"; fi; "$@"; rc=$?; times > "$T"; exit $rc',
    'boot',
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    ...argv,
  ];
  const t0 = performance.now();
  const r = await execa(wrapper[0] as string, wrapper.slice(1), {
    reject: false,
    all: true,
    env: {T: timesFile, CG: opts.cgroup ?? ''},
  });
  const wall = performance.now() - t0;
  for (const dev of (await loops()).filter((d) => d && !before.has(d)))
    await execa('losetup', ['-d', dev], {reject: false});
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}:\n${r.all}`);
  return {wall, cpu: parseTimes(readFileSync(timesFile, 'utf8'))};
}

/**
 * The host's block devices, printed with the figures: both variants scan them (losetup's overlap
 * check, immucore's device scan and loop reuse), so a host with hundreds of loop devices left
 * attached by killed runs measured every figure up to 2x higher (shell 171 -> 398 ms steady) than
 * one with ten, which is what an initramfs has. `losetup -D` and removing free loop devices
 * (LOOP_CTL_REMOVE) restore it.
 */
export function describeBlockDevices(): string {
  const names = readdirSync('/sys/block');
  const loops = names.filter((n) => n.startsWith('loop'));
  const bound = loops.filter((n) => existsSync(`/sys/block/${n}/loop/backing_file`)).length;
  const note = names.length > 50 ? ' (many: the figures are inflated, see describeBlockDevices)' : '';
  return `${names.length} block devices, ${loops.length} of them loop devices (${bound} attached)${note}`;
}

/**
 * What one process costs on this host: the median of 5 loops of 100 fork + exec of /bin/true by
 * bash, per process. The bare script starts over a hundred processes and a boot of the binary one
 * to a few, so the ratios move with it: the same script cost 196 ms of CPU steady on session 8's
 * host and 413 ms on session 9's (3.2 ms here: kernel 6.18 with page-table isolation), where every
 * ratio fell by a third or more without a change to immucore.
 */
async function forkExecCost(): Promise<number> {
  const loops: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await execa('bash', ['-c', 'for i in {1..100}; do /bin/true; done']);
    loops.push((performance.now() - t0) / 100);
  }
  return median(loops);
}

/** The children's line of bash's `times` ("0m0.051s 0m0.032s"): user + sys in milliseconds. */
export function parseTimes(text: string): number {
  const line = text.trim().split('\n')[1] ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`cannot read bash's times output: ${JSON.stringify(text)}`);
  return ((secs[0] ?? 0) + (secs[1] ?? 0)) * 1000;
}

/** Remove the state dirs and seed records from COS_PERSISTENT (the last loop), in a private namespace. */
async function clearPersistentState(s: Setup): Promise<void> {
  const mnt = path.join(s.base, 'persistent-mnt');
  await fs.mkdir(mnt, {recursive: true});
  await execa('unshare', [
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    'mount "$1" "$2" && rm -rf "$2/.state" && umount "$2"',
    'clear',
    s.loops.at(-1) ?? '',
    mnt,
  ]);
}

/** A cpu cgroup (v1) limited to `percent` % of one core, or undefined with the reason printed. */
async function makeQuotaCgroup(percent: number): Promise<string | undefined> {
  if (!existsSync(path.join(CPU_CGROUP_ROOT, 'cpu.cfs_quota_us'))) {
    console.log(`--cpu-quota: skipped, no cgroup v1 cpu controller at ${CPU_CGROUP_ROOT}`);
    return undefined;
  }
  const dir = path.join(CPU_CGROUP_ROOT, `immucore-bench-${process.pid}`);
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'cpu.cfs_period_us'), '100000');
  await fs.writeFile(path.join(dir, 'cpu.cfs_quota_us'), String(Math.round(percent * 1000)));
  return dir;
}

async function removeCgroup(dir: string): Promise<void> {
  // Empty by now: every boot has exited. rmdir, as cgroupfs wants.
  await fs.rmdir(dir).catch((err: Error) => console.log(`cannot remove ${dir}: ${err.message}`));
}

export async function benchBoot(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('boot benchmark: skipped, needs root (loop devices, mounts)');
    return;
  }
  const s = await setUp();
  try {
    const script = path.join(s.base, 'boot.sh');
    await fs.writeFile(script, shellScript(s.root, s.loops));
    const copyUpScript = path.join(s.base, 'boot-copy-up.sh');
    await fs.writeFile(copyUpScript, shellScript(s.root, s.loops, {copyUp: true}));
    const devices = s.loops.map((l) => path.basename(l)).join(',');
    const compiled = path.join(REPO, 'dist/immucore');
    const dev = ['node', path.join(REPO, 'bin/immucore.js'), 'run', '--root', s.root, '--devices', devices];
    const bootEnv = unitEnvironment(readFileSync(UNIT, 'utf8'));
    const runners: Array<[string, string[]]> = [
      ['shell script (same commands)', ['sh', script]],
      ...(existsSync(compiled)
        ? [
            [
              'immucore run (dist/immucore)',
              [
                ...(flags.wrap?.split(' ') ?? []),
                ...(bootEnv.length ? ['env', ...bootEnv] : []),
                compiled,
                'run',
                '--root',
                s.root,
                '--devices',
                devices,
              ],
            ] as [string, string[]],
          ]
        : []),
      // With the unit's environment too: a baseline is compared like with like.
      ...(flags.baseline ?? []).map((binary): [string, string[]] => [
        binary,
        [
          ...(bootEnv.length ? ['env', ...bootEnv] : []),
          binary,
          'run',
          '--root',
          s.root,
          '--devices',
          devices,
        ],
      ]),
      ...(flags['skip-dev'] ? [] : [['immucore run (node + tsx, dev)', dev] as [string, string[]]]),
    ];
    // One untimed boot seeds the state dirs (first-boot copy-up): what every later boot finds.
    await bootOnce(s, dev);
    const mounts = (await fs.readFile(script, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('mount ')).length;
    console.log(
      `disk boot, Kairos default layout (${mounts} mounts), median of ${RUNS} runs, each in a fresh mount namespace;`,
    );
    console.log('  CPU = user + sys of the whole process tree; ratios to the bare shell script');
    console.log(`  host: ${describeBlockDevices()}; fork + exec of /bin/true ${fmt(await forkExecCost())}`);
    console.log(
      `  first boot: "${COPY_UP}" also copies each persistent path into its new state dir (cp -a), as the shell module did; the second ratio is against it`,
    );
    if (bootEnv.length)
      console.log(`  dist/immucore runs with the initramfs unit's environment: ${bootEnv.join(' ')}`);
    await measure(s, runners, {label: 'full speed, steady state'});
    const binaryRunners = runners.filter(([, argv]) => argv[0] !== 'node');
    // A first boot seeds the state dirs: beside the bare script (the issue's floor, which seeds
    // nothing), the script that copies up as the shell module did.
    const firstBootRunners: Array<[string, string[]]> = [
      ...binaryRunners.slice(0, 1),
      [COPY_UP, ['sh', copyUpScript]],
      ...binaryRunners.slice(1),
    ];
    await measure(s, firstBootRunners, {
      label: 'full speed, first boot (state dirs seeded in the run)',
      firstBoot: true,
    });
    const quota = flags['cpu-quota'] === undefined ? undefined : Number(flags['cpu-quota']);
    if (quota !== undefined) {
      const cgroup = await makeQuotaCgroup(quota);
      if (cgroup) {
        try {
          await measure(s, binaryRunners, {label: `cpu quota ${quota} %, steady state`, cgroup});
          await measure(s, firstBootRunners, {
            label: `cpu quota ${quota} %, first boot`,
            cgroup,
            firstBoot: true,
          });
        } finally {
          await removeCgroup(cgroup);
        }
      }
    }
  } finally {
    await execa('rm', ['-rf', s.base]);
    for (const l of s.loops) await execa('losetup', ['-d', l], {reject: false});
  }
}

/** Boots each runner RUNS times, alternating, and prints wall and CPU medians with their ratios. */
async function measure(
  s: Setup,
  runners: Array<[string, string[]]>,
  opts: {label: string; cgroup?: string; firstBoot?: boolean},
  compiled = path.join(REPO, 'dist/immucore'),
): Promise<void> {
  const samples = new Map<string, Sample[]>(runners.map(([n]) => [n, []]));
  const spans: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [name, argv] of runners) {
      samples.get(name)?.push(await bootOnce(s, argv, opts));
      if (argv.includes(compiled))
        spans.push(
          JSON.parse(await fs.readFile(path.join(s.root, 'run/immucore/report.json'), 'utf8')).durationMs,
        );
    }
  }
  const of = (name: string, pick: (x: Sample) => number) => median((samples.get(name) ?? []).map(pick));
  const shell = runners[0]?.[0] ?? '';
  const copyUp = runners.some(([n]) => n === COPY_UP);
  const ratios = (name: string, pick: (x: Sample) => number) => {
    const v = of(name, pick);
    const bare = `${(v / of(shell, pick)).toFixed(2)}×`;
    return copyUp ? `${bare} bare, ${(v / of(COPY_UP, pick)).toFixed(2)}× copy-up` : bare;
  };
  console.log(`${opts.label}:`);
  for (const [name] of runners) {
    console.log(
      `  ${name.padEnd(34)} wall ${fmt(of(name, (x) => x.wall)).padStart(9)} (${ratios(name, (x) => x.wall)})   cpu ${fmt(of(name, (x) => x.cpu)).padStart(9)} (${ratios(name, (x) => x.cpu)})`,
    );
  }
  if (spans.length)
    console.log(`  immucore's own span (report.json durationMs, dist binary): median ${fmt(median(spans))}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBoot();
