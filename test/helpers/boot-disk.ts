// A Kairos-style machine for boot tests: partition images labelled as SPEC §1, each on its own
// loop device, root images inside the state/recovery partitions, and `immucore run --root` spawned
// for real (the dev entry point, in this test's private mount namespace).
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import type {BootReport} from '../../src/report/boot-report.ts';
import {parseMountinfo} from '../../src/sys/mountinfo.ts';
import type {TempRoot} from './temp-root.ts';
import type {Tree} from './tree.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
/** The shipped binary (compiled by test/global-setup.ts), or the node entry for the mount(8) path. */
export const ENTRY = {
  compiled: [path.join(REPO, 'dist/immucore')],
  node: ['node', path.join(REPO, 'bin/immucore.js')],
} as const;

/** A root image's tree: the dirs a Kairos image has, and a marker naming the image. */
export function rootTree(name: string, extra: Tree = {}): Tree {
  const dirs = [
    'etc/ssh',
    'var/log',
    'var/lib',
    'srv',
    'home',
    'root',
    'opt',
    'usr/local',
    'oem',
    'system',
    'tmp',
    'run',
    'proc',
    'sys',
    'dev',
  ];
  return {
    ...Object.fromEntries(dirs.map((d) => [d, {dir: true}])),
    'etc/os-release': 'ID=debian\n',
    'etc/immucore-test-image': `${name}\n`,
    'etc/ssh/sshd_config': 'Port 22\n',
    ...extra,
  };
}

export interface MachineOptions {
  /** Root images to put on COS_STATE (`active`, `passive`) and COS_RECOVERY (`recovery`). */
  images?: Array<'active' | 'passive' | 'recovery'>;
  oem?: Tree | false;
  persistent?: Tree | false;
  /** Extra partitions: label → tree. */
  extra?: Record<string, Tree>;
  /** Files in the root image (all images). */
  imageExtra?: Tree;
  /** Files in one root image only (after imageExtra): an upgrade is booting another image. */
  imageTrees?: Partial<Record<'active' | 'passive' | 'recovery', Tree>>;
}

export interface Machine {
  /** Kernel names of the partition loop devices (`--devices`). */
  devices: string[];
  /** Write the cmdline and the layout file a rootfs stage would have written, then boot. */
  boot(cmdline: string, opts?: BootOptions): Promise<BootRun>;
  /** "Reboot": unmount everything under the root, detach immucore's loop, clear /run and /tmp. */
  shutdown(): Promise<void>;
}

export interface BootRun {
  /** The process: its exit code and everything it printed (stdout and stderr interleaved). */
  result: {exitCode?: number; signal?: string; all: string};
  report: BootReport;
  /** The mounts below the root, targets relative to it, in mount order. */
  mounts: Array<{target: string; fstype: string; source: string; options: string[]; superOptions: string[]}>;
}

export async function makeMachine(t: TempRoot, opts: MachineOptions = {}): Promise<Machine> {
  const images = opts.images ?? ['active', 'passive', 'recovery'];
  const imageLabel = {active: 'COS_ACTIVE', passive: 'COS_PASSIVE', recovery: 'COS_SYSTEM'} as const;
  const stateTree: Tree = {cOS: {dir: true}};
  const recoveryTree: Tree = {cOS: {dir: true}};
  for (const name of images) {
    const file = await t.makeExt4Image({
      label: imageLabel[name],
      name: `${name}.img`,
      tree: rootTree(name, {...opts.imageExtra, ...opts.imageTrees?.[name]}),
      sizeMiB: 24,
    });
    (name === 'recovery' ? recoveryTree : stateTree)[`cOS/${name}.img`] = {copyFrom: file};
  }
  const parts: Array<[string, Tree]> = [
    ['COS_STATE', stateTree],
    ['COS_RECOVERY', recoveryTree],
    ...(opts.oem === false
      ? []
      : [['COS_OEM', opts.oem ?? {'hello.yaml': '#cloud-config\n'}] as [string, Tree]]),
    ...(opts.persistent === false ? [] : [['COS_PERSISTENT', opts.persistent ?? {}] as [string, Tree]]),
    ...Object.entries(opts.extra ?? {}),
  ];
  const devices: string[] = [];
  for (const [label, tree] of parts) {
    const size = label === 'COS_STATE' || label === 'COS_RECOVERY' ? 32 + 24 * images.length : 32;
    const file = await t.makeExt4Image({label, tree, sizeMiB: size, journal: true});
    devices.push(path.basename(await t.attachLoop(file, {readOnly: false})));
  }
  return {
    devices,
    boot: (cmdline, o = {}) => bootOnce(t, devices, cmdline, o),
    shutdown: () => shutdown(t),
  };
}

export interface BootOptions {
  /** The layout file a rootfs stage would have written. */
  layout?: string;
  args?: string[];
  /** Which immucore to run; default the compiled binary. */
  entry?: keyof typeof ENTRY;
  /** `immucore retry` instead of `immucore run` (the emergency shell's). */
  command?: 'run' | 'retry';
  /** stderr is a pipe nobody reads any more (a journal gone): every console write gets EPIPE. */
  consoleGone?: boolean;
}

async function bootOnce(t: TempRoot, devices: string[], cmdline: string, o: BootOptions): Promise<BootRun> {
  await fs.mkdir(t.path('proc'), {recursive: true});
  await fs.writeFile(t.path('proc/cmdline'), `${cmdline}\n`);
  if (o.layout !== undefined) {
    await fs.mkdir(t.path('run/cos'), {recursive: true});
    await fs.writeFile(t.path('run/cos/cos-layout.env'), o.layout);
  }
  const [cmd, ...pre] = ENTRY[o.entry ?? 'compiled'];
  const argv = [
    ...pre,
    o.command ?? 'run',
    '--root',
    t.root,
    '--devices',
    devices.join(','),
    ...(o.args ?? []),
  ];
  const child = execa(cmd, argv, {reject: false, all: true});
  // Closed before the binary has started its runtime, long before its first line.
  if (o.consoleGone) child.stderr.destroy();
  const run = await child;
  const result = {exitCode: run.exitCode, signal: run.signal, all: String(run.all)};
  const reportText = await fs.readFile(t.path('run/immucore/report.json'), 'utf8').catch(() => undefined);
  if (reportText === undefined)
    throw new Error(`immucore left no report (exit ${result.exitCode}):\n${result.all}`);
  return {result, report: JSON.parse(reportText) as BootReport, mounts: await mountsUnder(t.root)};
}

export async function mountsUnder(root: string): Promise<BootRun['mounts']> {
  return parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'))
    .filter((m) => m.target === root || m.target.startsWith(`${root}/`))
    .map((m) => ({
      target: m.target.slice(root.length) || '/',
      fstype: m.fstype,
      source: m.source,
      options: m.options,
      superOptions: m.superOptions,
    }));
}

/**
 * umount, again while the kernel still says busy, for up to 5 s. A detached loop device lets go of
 * its backing file only at its last close, and a test running beside this one may have it open for
 * a moment (every boot's block scan opens each loop device to read its superblock).
 */
async function unmountWhenReleased(target: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const r = await execa('umount', [target], {reject: false});
    if (r.exitCode === 0) return;
    if (!/busy/i.test(r.stderr) || waited >= 5000) throw new Error(`umount ${target}: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function shutdown(t: TempRoot): Promise<void> {
  // List the loops first: once the images partition is unmounted, a loop's backing file no longer
  // shows the path below the root.
  const {stdout} = await execa('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']);
  const loops = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([dev, file]) => dev && file?.startsWith(`${t.root}/`))
    .map(([dev]) => dev as string);
  for (const m of (await mountsUnder(t.root)).reverse()) {
    // The root image's loop keeps the images partition busy until it is detached.
    if (m.target === '/run/initramfs/cos-state')
      for (const dev of loops.splice(0)) await execa('losetup', ['-d', dev]);
    await unmountWhenReleased(path.join(t.root, m.target));
  }
  for (const dev of loops) await execa('losetup', ['-d', dev]);
  await Promise.all(['run', 'tmp'].map((d) => fs.rm(t.path(d), {recursive: true, force: true})));
}
