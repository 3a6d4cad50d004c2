// The initramfs's size and dracut's build time per compressor, with and without immucore, on the
// VM suite's Debian root (its own dracut, in a chroot): what the module's default compressor
// (dracut/28immucore/module-setup.sh, zstd -19 when nothing chose one) costs and saves. Two roots:
// the test root as it is, and a Kairos-like one (no tpm2-tools, dmsquash-live in both builds, as
// Kairos images add it themselves). "no choice" passes no compressor: dracut's default without
// immucore (gzip -9), the module's with it. CPU is user + sys of dracut's whole process tree.
// Prints figures, asserts nothing. Needs root (chroot, overlay) and dist/immucore.
// Run: npx tsx bench/initramfs-size.bench.ts   (IMMUCORE_BENCH_SIZE_ROOTS=test,kairos: which roots)
import {readFileSync} from 'node:fs';
import {mkdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {buildDebianRoot} from '../vm-tests/lib/debian-root.ts';
import {runBuild, runInChroot} from '../vm-tests/lib/exec.ts';
import {DRACUT_ARGS} from '../vm-tests/lib/image.ts';
import {mebibytes} from '../vm-tests/lib/log.ts';
import {MountNamespace} from '../vm-tests/lib/namespace.ts';
import {BINARY, REPO} from '../vm-tests/lib/paths.ts';

const ROOTS = (process.env.IMMUCORE_BENCH_SIZE_ROOTS ?? 'test,kairos').split(',');
/** dracut's compression arguments per variant; [] is no choice at all. */
const COMPRESSORS: Record<string, string[]> = {
  'no choice': [],
  'gzip (-9)': ['--compress', 'gzip'],
  'zstd (-15)': ['--compress', 'zstd'],
  'zstd -19': ['--compress', 'zstd -19 -q -T0'],
};
// The test images' arguments without their compressor.
const BASE_ARGS = DRACUT_ARGS.filter((a, i) => a !== '--compress' && DRACUT_ARGS[i - 1] !== '--compress');

interface Build {
  bytes: number;
  wall: number;
  cpu: number;
  /** What dracut said it compressed with (its "Using ..." or our module's line), if anything. */
  said: string;
}

const root = await buildDebianRoot();
const kver = root.kernelVersion;
const tmp = join(REPO, 'vm-tests/logs/bench-initramfs-size');
await rm(tmp, {recursive: true, force: true});
await mkdir(tmp, {recursive: true});

// bash's `times`: the second line is the children's user and sys time ("0m1.234s 0m0.567s").
const TIMED = 'dracut "$@" > /tmp/dracut.log 2>&1; rc=$?; times > /tmp/times; exit $rc';
const seconds = (s: string) => {
  const m = /(\d+)m([\d.]+)s/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
};

async function dracut(ns: MountNamespace, merged: string, args: string[]): Promise<Build> {
  const started = performance.now();
  await runInChroot(
    merged,
    ['bash', '-c', TIMED, 'dracut', ...BASE_ARGS, ...args, '--kver', kver, '/tmp/out.img'],
    {
      via: (a, o) => ns.run(a, o),
    },
  );
  const wall = (performance.now() - started) / 1000;
  const times = (await ns.run(['cat', join(merged, 'tmp/times')])).split('\n')[1] ?? '';
  const [user = '', sys = ''] = times.trim().split(/\s+/);
  const log = await ns.run(['cat', join(merged, 'tmp/dracut.log')]);
  const said =
    /immucore: no compressor chosen[^\n]*/.exec(log)?.[0] ??
    /Using auto-determined compression[^\n]*/.exec(log)?.[0] ??
    '';
  const bytes = Number((await ns.run(['stat', '-c', '%s', join(merged, 'tmp/out.img')])).trim());
  return {bytes, wall, cpu: seconds(user) + seconds(sys), said};
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

for (const kind of ROOTS) {
  const dirs = ['merged', 'upper', 'work'].map((d) => join(tmp, `${kind}-${d}`));
  const [merged, upper, work] = dirs as [string, string, string];
  for (const d of dirs) await mkdir(d);
  const ns = await MountNamespace.start();
  const rows: Array<[string, Build, Build | undefined]> = [];
  const loads: string[] = [load()];
  try {
    await ns.mountOverlay({lower: root.dir, upper, work, merged});
    await ns.run([join(REPO, 'scripts/install-dracut-module.sh'), '--root', merged, '--binary', BINARY]);
    const more: string[] = [];
    if (kind === 'kairos') {
      await ns.run(['sh', '-c', 'rm -f "$0"/usr/bin/tpm2_* "$0"/usr/bin/tpm2', merged]);
      more.push('--add', 'dmsquash-live');
    }
    for (const [name, args] of Object.entries(COMPRESSORS)) {
      const withImmucore = await dracut(ns, merged, [...more, ...args]);
      // Without immucore, "no choice" is dracut's own default: the gzip build again.
      const without =
        args.length === 0 ? undefined : await dracut(ns, merged, [...more, ...args, '--omit', 'immucore']);
      rows.push([name, withImmucore, without]);
      loads.push(load());
      process.stderr.write(
        `[bench] ${kind} ${name}: ${mebibytes(withImmucore.bytes)} ${withImmucore.said}\n`,
      );
    }
  } finally {
    await ns.stop();
    await runBuild(['rm', '-rf', ...dirs]);
  }
  const gzipWithout = rows.find(([n]) => n === 'gzip (-9)')?.[2];
  console.log(
    `\nInitramfs size, ${kind === 'kairos' ? 'Kairos-like root (no tpm2-tools, --add dmsquash-live)' : 'test root'} (Debian bookworm, dracut 059, kernel ${kver}; host load ${loads.join(' / ')}):`,
  );
  console.log(
    '  (growth: with − without; "no choice" is what a builder who chose nothing gets: without immucore dracut\'s gzip, with it the module\'s default)',
  );
  console.log(
    '  compressor        with immucore      without       growth    dracut with immucore: wall / CPU',
  );
  for (const [name, w, wo0] of rows) {
    const wo = wo0 ?? gzipWithout;
    const growth = wo ? mebibytes(w.bytes - wo.bytes) : '?';
    console.log(
      `  ${name.padEnd(16)}  ${mebibytes(w.bytes).padStart(10)}   ${(wo ? mebibytes(wo.bytes) : '?').padStart(10)}   ${growth.padStart(10)}    ${w.wall.toFixed(1)} s / ${w.cpu.toFixed(1)} s${w.said ? `   [${w.said}]` : ''}`,
    );
  }
}
await rm(tmp, {recursive: true, force: true});
