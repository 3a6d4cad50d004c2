import {defineConfig} from 'vitest/config';

// Unit tests sit beside the code; integration tests (root, mount namespaces) live in test/ and run
// as `unshare --mount --propagation private -- vitest run --project integration`. The QEMU suite
// has its own config (vm-tests/vitest.config.ts) and is not part of these projects.
export default defineConfig({
  test: {
    projects: [
      {test: {name: 'unit', include: ['src/**/*.test.ts']}},
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
