import {defineConfig} from 'vitest/config';

// The QEMU suite (`vitest run --config vm-tests/vitest.config.ts`): one boot at a time, since the
// machine has two cores and a TCG guest takes one; minutes-long timeouts, since the first run
// builds the Debian root, the images and the disks before its first boot.
export default defineConfig({
  test: {
    include: ['vm-tests/**/*.test.ts'],
    root: new URL('..', import.meta.url).pathname,
    fileParallelism: false,
    sequence: {concurrent: false},
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
    reporters: ['verbose'],
  },
});
