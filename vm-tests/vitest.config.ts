import {defineConfig} from 'vitest/config';

// The QEMU suite (`vitest run --config vm-tests/vitest.config.ts`): two scenario files at a time,
// since the machine has two cores and a TCG guest (one vCPU) takes one; the tests of one file run
// in order (a persistence scenario boots one disk twice). Builds of the shared cache take a lock
// (lib/cache.ts). Minutes-long timeouts, since the first run builds the Debian root, the images
// and the disks before its first boot. IMMUCORE_VM_WORKERS=1 boots one guest at a time.
export default defineConfig({
  test: {
    include: ['vm-tests/**/*.test.ts'],
    root: new URL('..', import.meta.url).pathname,
    fileParallelism: true,
    pool: 'forks',
    poolOptions: {forks: {minForks: 1, maxForks: Number(process.env.IMMUCORE_VM_WORKERS ?? 2)}},
    sequence: {concurrent: false},
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
    reporters: ['verbose'],
  },
});
