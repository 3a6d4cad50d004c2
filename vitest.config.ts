import {defineConfig} from 'vitest/config';

// Unit tests sit beside the code; integration tests (root, mount namespaces) live in test/.
// The QEMU suite has its own config (vm-tests/vitest.config.ts) and is not part of this run.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
