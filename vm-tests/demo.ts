// README command one (./demo.sh): build what is missing, then boot the demo image in QEMU with its
// console on this terminal. immucore mounts the active image, its overlays and persistent state in
// the initramfs; the booted system then prints what immucore did (immucore-demo.service) and
// powers off.
import {join} from 'node:path';
import {CACHE_DIR} from './lib/cache.ts';
import {buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {mebibytes} from './lib/log.ts';
import {bootVm, createOverlay} from './lib/qemu.ts';

const APPEND = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img immucore.test.agent=off immucore.demo';

console.log(
  'immucore demo: building the Debian image, its initramfs (with immucore) and a disk, cached after the first run',
);
const images = await buildImageSet({measureWithoutImmucore: false});
const disk = await buildStandardDisk(images);
const overlay = join(CACHE_DIR, 'overlays', 'demo.qcow2');
await createOverlay(disk, overlay);
console.log(
  `initramfs ${mebibytes(images.figures.initrdBytes)}; booting (QEMU, software emulation: about a minute)\n`,
);
const result = await bootVm({
  name: 'demo',
  kernel: images.vmlinuz,
  initrd: images.initrd,
  disk: overlay,
  append: APPEND,
  echo: true,
  timeoutSec: 600,
});
console.log(
  `\nimmucore demo: the VM ran ${result.seconds.toFixed(0)} s; its console is in ${result.logPath}`,
);
const shown = result.log.includes('immucore demo: the booted system');
if (!shown)
  console.log(
    'The booted system did not show its immucore summary: see the console log above for where the boot stopped.',
  );
process.exitCode = shown && !result.timedOut ? 0 : 1;
