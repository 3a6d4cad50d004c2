import {defineConfig} from 'vitest/config';

// Unit tests sit beside the code; integration tests (root, mount namespaces) live in test/ and run
// as `unshare --mount --propagation private -- vitest run --project integration`. The QEMU suite
// has its own config (vm-tests/vitest.config.ts) and is not part of these projects.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          // The fast-check properties (500 cases each) take 1-2 s alone and ran past vitest's 5 s
          // default at load 15: a limit for hangs, not a speed check.
          testTimeout: 30_000,
          // A hook that loads a tool (dependency-cruiser's cruise in layers.test.ts) took over 10 s
          // at load 15.
          hookTimeout: 60_000,
        },
      },
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
