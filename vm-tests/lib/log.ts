// Progress lines for the slow parts of a VM test run ("debootstrap (cached)", "dracut 2.4 s"), so
// a ten-minute first build shows where its time goes. They go to stderr, which vitest passes on.
export function progress(message: string): void {
  process.stderr.write(`[vm] ${message}\n`);
}

/** Runs `work`, then prints `<label> <seconds> s`; returns the result and the seconds taken. */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<{value: T; seconds: number}> {
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  progress(`${label} ${seconds.toFixed(1)} s`);
  return {value, seconds};
}

/** Formats a byte count as MiB with one decimal, the unit every figure in the notes uses. */
export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
