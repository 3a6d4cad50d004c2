import {defineConfig} from 'vitest/config';

// `npm run fuzz`: the property tests of every parser of outside input at FUZZ_RUNS cases each
// (100,000 by default). Not part of `npm test`, whose unit tests keep their short property runs and
// carry each case the fuzzer found as a plain regression test. One file at a time: the machine's
// two cores are shared, and each file prints its own case count and time.
export default defineConfig({
  test: {
    include: ['fuzz/**/*.fuzz.ts'],
    fileParallelism: false,
    testTimeout: 60 * 60_000,
  },
});
