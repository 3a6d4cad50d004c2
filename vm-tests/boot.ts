// Builds what is missing and boots one disk by hand, printing the build figures and the agent's
// facts: the tool for debugging a scenario and the base of the demo.
//   tsx vm-tests/boot.ts [--disk standard|plain-root] [--append "<cmdline>"] [--echo] [--keep]
//                        [--measure] [--timeout <s>]
// --keep reuses the overlay of the previous `boot.ts` run (persistence by hand); --measure also
// builds the initramfs without immucore to report the size difference.
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {CACHE_DIR} from './lib/cache.ts';
import {buildImageSet, buildPlainRootDisk, buildStandardDisk} from './lib/fixtures.ts';
import {mebibytes} from './lib/log.ts';
import {bootVm, createOverlay} from './lib/qemu.ts';

const DEFAULT_APPEND = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';

const {values} = parseArgs({
  options: {
    disk: {type: 'string', default: 'standard'},
    append: {type: 'string', default: DEFAULT_APPEND},
    echo: {type: 'boolean', default: false},
    keep: {type: 'boolean', default: false},
    measure: {type: 'boolean', default: false},
    timeout: {type: 'string', default: '300'},
  },
});

const images = await buildImageSet({measureWithoutImmucore: values.measure});
const base =
  values.disk === 'plain-root' ? await buildPlainRootDisk(images) : await buildStandardDisk(images);
const overlay = join(CACHE_DIR, 'overlays', `boot-${values.disk}.qcow2`);
if (!values.keep) await createOverlay(base, overlay);
const result = await bootVm({
  name: `boot-${values.disk}`,
  kernel: images.vmlinuz,
  initrd: images.initrd,
  disk: overlay,
  append: values.append,
  echo: values.echo,
  waitForPoweroff: true,
  timeoutSec: Number(values.timeout),
});

const f = images.figures;
console.log(`initramfs: ${mebibytes(f.initrdBytes)} (dracut ${f.dracutSeconds.toFixed(1)} s)`);
if (f.initrdWithoutImmucoreBytes !== undefined) {
  console.log(`initramfs without immucore: ${mebibytes(f.initrdWithoutImmucoreBytes)}`);
}
console.log(
  `boot: ${result.seconds.toFixed(1)} s, agent after ${result.secondsToAgent?.toFixed(1) ?? '-'} s`,
);
console.log(JSON.stringify(result.facts ?? null, null, 2));
process.exitCode = result.facts ? 0 : 1;
