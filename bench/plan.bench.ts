// planBoot for a layout of 1,000 persistent paths (issue: target ≤ 50 ms on the 2-core machine).
// Includes parsing the layout text, since load-layout does both on the boot path.
import {parseCmdline} from '../src/boot/cmdline.ts';
import {planMounts} from '../src/boot/mount-plan.ts';
import {describeStepMounts} from '../src/boot/mount-specs.ts';
import {planBoot} from '../src/boot/plan.ts';
import {fmt, median, percentile, timeRuns} from './stats.ts';

const paths = Array.from({length: 1000}, (_, i) => `/var/lib/app${Math.floor(i / 10)}/data${i % 10}`);
const layoutText = [
  'RW_PATHS="/var /etc /srv"',
  `PERSISTENT_STATE_PATHS="${paths.join(' ')}"`,
  'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
  'OVERLAY="tmpfs:25%"',
].join('\n');
const cmdline =
  'BOOT_IMAGE=/cOS/vmlinuz console=ttyS0 root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img rd.cos.oemlabel=COS_OEM panic=5';

export async function benchPlan(): Promise<void> {
  let mounts = 0;
  const times = await timeRuns(50, () => {
    const config = parseCmdline(cmdline);
    const plan = planBoot(config);
    const byStep = describeStepMounts(plan, planMounts(config, {layout: layoutText}));
    mounts = Object.values(byStep).reduce((n, list) => n + list.length, 0);
  });
  console.log(
    `planBoot, 1,000 persistent paths (${mounts} mounts, layout parsed each run): median ${fmt(median(times))}, p95 ${fmt(percentile(times, 95))} over ${times.length} runs (target ≤ 50 ms)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPlan();
