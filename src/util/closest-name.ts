// "Did you mean …?" for every name a user can mistype: cmdline stanzas, cloud-config directives,
// step names in the graph and in rd.immucore.break.

/** Levenshtein distance, or `max + 1` as soon as it is known to exceed `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    if (Math.min(...row) > max) return max + 1;
    prev = row;
  }
  return prev[b.length] ?? max + 1;
}

/** The known name closest to `name` (ignoring case) within `max` edits; the first one on a tie. */
export function closestName(name: string, known: readonly string[], max = 2): string | undefined {
  let best: {name: string; distance: number} | undefined;
  for (const k of known) {
    const distance = editDistance(name.toLowerCase(), k.toLowerCase(), max);
    if (distance <= max && (!best || distance < best.distance)) best = {name: k, distance};
  }
  return best?.name;
}
