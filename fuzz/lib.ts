// The fuzz harness: fast-check properties run FUZZ_RUNS times (100,000 by default), each case timed.
// A case that takes more than a second is a hang and fails the property (a parser of boot input
// runs in the initramfs, where a stall holds up the boot). The second is CPU time, not wall time:
// on a machine shared with TCG guests this process waits for a core for over a second at times,
// in any case, however small. FUZZ_SEED replays a run.
import fc from 'fast-check';

export const RUNS = Number(process.env.FUZZ_RUNS ?? '100000') || 100_000;
const HANG_MS = 1000;

// Cases per fc.assert: between chunks the worker's event loop runs, so vitest's own calls to it do
// not time out (a 300 s synchronous property made vitest report "Timeout calling onTaskUpdate", and
// so did 2,000-case chunks of 4 ms cases on a machine loaded tenfold). 250 cases take ~1 s here.
const CHUNK = 250;

/**
 * Runs `check` on RUNS cases of `arb`, in chunks of CHUNK seeded `seed`, `seed + 1`, ...; prints
 * the count, the time and the slowest case. A failure names its chunk's seed: FUZZ_SEED=<it>
 * replays that chunk first.
 */
export async function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => void): Promise<void> {
  let slowest = 0;
  const started = performance.now();
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)) | 0;
  const property = fc.property(arb, (value) => {
    const t0 = process.cpuUsage();
    check(value);
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    slowest = Math.max(slowest, ms);
    if (ms > HANG_MS) throw new Error(`one case took ${ms.toFixed(0)} ms of CPU (over ${HANG_MS} ms)`);
  });
  for (let done = 0, chunk = 0; done < RUNS; chunk++) {
    const numRuns = Math.min(CHUNK, RUNS - done);
    fc.assert(property, {numRuns, seed: (seed + chunk) | 0});
    done += numRuns;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `fuzz ${name}: ${RUNS} cases in ${seconds.toFixed(1)} s, slowest case ${slowest.toFixed(1)} ms of CPU (seed ${seed})`,
  );
}

/** Text with the characters parsers trip over: quotes, escapes, separators, controls, non-ASCII. */
export const nasty = fc.oneof(
  fc.string({maxLength: 16}),
  fc.string({unit: 'binary', maxLength: 16}),
  fc.string({
    unit: fc.constantFrom(...' \t\n\r\\"\'#=:,;/.-_$`{}[]*&!|>%@?~\u00a0\u2028\u0000ñ✓'),
    maxLength: 16,
  }),
);
