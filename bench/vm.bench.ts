// The boot cost of immucore under QEMU (TCG, like CI): boot-to-agent time of the active boot of the
// standard disk against the same root filesystem booted by plain dracut (root=LABEL=COS_ACTIVE on
// a partition holding it directly, an initramfs built with --omit immucore: no immucore, no
// overlays), medians and their ratio; immucore's own span (its report, and its unit in the
// journal, which includes loading the binary); the initramfs with and without it; the binary's
// cold start on the host. Prints figures, asserts nothing. Needs what vm-tests needs (root, qemu).
// Run: npm run bench:vm (after bench/vm-initramfs.bench.ts; IMMUCORE_BENCH_VM_RUNS=<n> boots per
// variant, default 3; ~10 min)
import {spawnSync} from 'node:child_process';
import {statSync} from 'node:fs';
import {join} from 'node:path';
import type {BootReport} from '../src/report/boot-report.ts';
import {CACHE_DIR} from '../vm-tests/lib/cache.ts';
import type {AgentFacts} from '../vm-tests/lib/facts.ts';
import {buildImageSet, buildPlainActiveDisk, buildStandardDisk} from '../vm-tests/lib/fixtures.ts';
import {mebibytes} from '../vm-tests/lib/log.ts';
import {BINARY} from '../vm-tests/lib/paths.ts';
import {bootVm, createOverlay} from '../vm-tests/lib/qemu.ts';
import {fmt, median} from './stats.ts';

const RUNS = Number(process.env.IMMUCORE_BENCH_VM_RUNS ?? 3);
const VERSION_RUNS = 20;
const IMMUCORE_APPEND = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const PLAIN_APPEND = 'root=LABEL=COS_ACTIVE';

interface Variant {
  name: string;
  initrd: string;
  overlay: string;
  append: string;
}

/** One boot's figures, in seconds. */
interface Sample {
  /** Wall clock from starting QEMU to the agent's first line on the console. */
  toAgent: number;
  /** Guest clock (since the kernel started): switch-root, the agent's start. */
  switchRoot: number;
  agentStarted: number;
  /** immucore.service in the journal: Starting → immucore's first line (binary loaded) → Finished. */
  unit?: {load: number; span: number};
  /** report.json's durationMs: the run itself, from its first step. */
  run?: number;
  report?: BootReport;
  binaryMs: AgentFacts['binaryMs'];
}

async function boot(v: Variant, label: string, extra = ''): Promise<Sample> {
  const result = await bootVm({
    name: `bench-${v.name}-${label}`,
    kernel: images.vmlinuz,
    initrd: v.initrd,
    disk: v.overlay,
    append: `${v.append}${extra}`,
    timeoutSec: 400,
    // A clean power-off, so the next boot of this disk finds its filesystems clean (no journal
    // replay or fsck skewing the steady state).
    waitForPoweroff: true,
  });
  const f = result.facts;
  if (!f || result.secondsToAgent === undefined) throw new Error(`no agent report; see ${result.logPath}`);
  const report = (typeof f.report === 'object' ? f.report : undefined) as BootReport | undefined;
  const sample: Sample = {
    toAgent: result.secondsToAgent,
    switchRoot: (f.timing.UserspaceTimestampMonotonic ?? 0) / 1e6,
    agentStarted: f.agentStarted,
    ...unitSpan(f.immucoreJournal),
    ...(report ? {run: report.durationMs / 1000, report} : {}),
    binaryMs: f.binaryMs,
  };
  process.stderr.write(
    `[bench] ${v.name} ${label}: agent after ${sample.toAgent.toFixed(1)} s (switch-root at ${sample.switchRoot.toFixed(1)} s guest time)\n`,
  );
  return sample;
}

/**
 * From `[   17.137097] host systemd[1]: Starting immucore.service`, `[   23.03] host immucore[243]: …`
 * and `… Finished immucore.service`: the binary's load time and the unit's whole span.
 */
function unitSpan(journal: string): {unit?: {load: number; span: number}} {
  const at = (re: RegExp) => {
    const m = journal.split('\n').find((l) => re.test(l));
    const t = m && /^\[\s*([\d.]+)\]/.exec(m)?.[1];
    return t ? Number(t) : undefined;
  };
  const start = at(/systemd\[1\]: Starting immucore\.service/);
  const first = at(/ immucore\[\d+\]: /);
  const end = at(/systemd\[1\]: Finished immucore\.service/);
  if (start === undefined || first === undefined || end === undefined) return {};
  return {unit: {load: first - start, span: end - start}};
}

const s = (x: number) => `${x.toFixed(2)} s`;
const med = (xs: Sample[], pick: (x: Sample) => number | undefined) =>
  median(xs.map(pick).filter((x): x is number => x !== undefined));

function coldStart(argv: string[], runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(argv[0] as string, argv.slice(1), {stdio: 'ignore'});
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  }
  return times;
}

// 1. The host: cold start of the binary, a fresh process per run (with spawning /bin/true, the floor).
const version = coldStart([BINARY, '--version'], VERSION_RUNS);
const floor = coldStart(['/bin/true'], VERSION_RUNS);

// 2. The images: the initramfs with and without immucore, the disks.
const images = await buildImageSet({measureWithoutImmucore: true});
if (!images.initrdWithoutImmucore) throw new Error('the image set has no initramfs without immucore');
const overlays = join(CACHE_DIR, 'overlays');
const immucore: Variant = {
  name: 'immucore',
  initrd: images.initrd,
  overlay: await createOverlay(await buildStandardDisk(images), join(overlays, 'bench-immucore.qcow2')),
  append: IMMUCORE_APPEND,
};
const plain: Variant = {
  name: 'plain',
  initrd: images.initrdWithoutImmucore,
  overlay: await createOverlay(await buildPlainActiveDisk(images), join(overlays, 'bench-plain.qcow2')),
  append: PLAIN_APPEND,
};

// 3. The boots, one at a time: a first boot of each disk (immucore's copies the image's content
// into the persistent state dirs; it also times the binary in the guest), then the measured boots,
// alternating so that a change in the machine's load hits both alike.
const firstBoot = await boot(immucore, 'first', ' immucore.test.time=1');
await boot(plain, 'first');
const withImmucore: Sample[] = [];
const plainBoots: Sample[] = [];
for (let i = 1; i <= RUNS; i++) {
  withImmucore.push(await boot(immucore, String(i)));
  plainBoots.push(await boot(plain, String(i)));
}

// 4. The figures.
const f = images.figures;
const binaryBytes = statSync(BINARY).size;
const last = withImmucore.at(-1)?.report;
const ratioOf = (pick: (x: Sample) => number) => med(withImmucore, pick) / med(plainBoots, pick);
console.log(`\nVM boot benchmark (QEMU TCG, -cpu max, 1 vCPU, 1 GiB; medians of ${RUNS} boots each)`);
console.log(`  binary ${BINARY}: ${mebibytes(binaryBytes)}`);
console.log(
  'boot to agent: agent start (guest clock: the system is up), its report (wall clock from QEMU start), switch-root (guest clock)',
);
for (const [name, xs] of [
  ['immucore (standard disk, active.img)', withImmucore],
  ['plain dracut (root=LABEL=COS_ACTIVE)', plainBoots],
] as const) {
  console.log(
    `  ${name.padEnd(38)} start ${s(med(xs, (x) => x.agentStarted))}   report ${s(med(xs, (x) => x.toAgent))}   switch-root ${s(med(xs, (x) => x.switchRoot))}   [report: ${xs.map((x) => x.toAgent.toFixed(1)).join(', ')}]`,
  );
}
console.log(
  `  ratio immucore / plain                 start ${ratioOf((x) => x.agentStarted).toFixed(2)}     report ${ratioOf((x) => x.toAgent).toFixed(2)}     switch-root ${ratioOf((x) => x.switchRoot).toFixed(2)}   (the ≤ 1.10 target is against the shell stand-in: vm-initramfs.bench.ts)`,
);
console.log("immucore's own span (steady state; first boot of the disk in brackets):");
console.log(
  `  immucore.service Starting → Finished   ${s(med(withImmucore, (x) => x.unit?.span))}   [${firstBoot.unit ? s(firstBoot.unit.span) : '-'}]`,
);
console.log(
  `    of which loading the binary          ${s(med(withImmucore, (x) => x.unit?.load))}   (Starting → its first log line)`,
);
console.log(
  `  report.json durationMs (the run)       ${s(med(withImmucore, (x) => x.run))}   [${firstBoot.run === undefined ? '-' : s(firstBoot.run)}]`,
);
if (last) {
  const slow = [...last.steps]
    .filter((st) => st.durationMs !== undefined)
    .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))
    .slice(0, 4);
  console.log(`  critical path: ${last.criticalPath.join(' → ')}`);
  console.log(
    `  slowest steps (last boot): ${slow.map((st) => `${st.name} ${fmt(st.durationMs ?? 0)}`).join(', ')}`,
  );
  console.log(`  mounts made: ${last.mounts.length}`);
}
console.log('initramfs (zstd -3):');
console.log(`  with immucore                          ${mebibytes(f.initrdBytes)}`);
if (f.initrdWithoutImmucoreBytes !== undefined) {
  console.log(`  without (--omit immucore)              ${mebibytes(f.initrdWithoutImmucoreBytes)}`);
  console.log(
    `  growth                                 ${mebibytes(f.initrdBytes - f.initrdWithoutImmucoreBytes)}   (issue target ≤ 50 MiB)`,
  );
}
console.log(`\`immucore --version\` cold start on the host (${VERSION_RUNS} fresh processes):`);
console.log(
  `  median ${fmt(median(version))}, first ${fmt(version[0] ?? 0)}, max ${fmt(Math.max(...version))}   (spawning /bin/true: ${fmt(median(floor))}; issue target ≤ 30 ms)`,
);
if (firstBoot.binaryMs) {
  const {version: v, plan} = firstBoot.binaryMs;
  console.log(
    `  in the guest (TCG): --version ${v.join(' / ')} ms, plan ${plan.join(' / ')} ms (first / second run)`,
  );
}
