/**
 * "Did you mean ...?" suggestions: the closest candidate by Damerau-Levenshtein distance
 * (optimal string alignment), compared case-insensitively.
 */

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const cols = b.length + 1;
  // three rows are enough: i-2, i-1 and i
  let prev2 = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  let cur = new Array<number>(cols).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/** The largest distance still worth suggesting for a word of this length. */
export function suggestionThreshold(word: string): number {
  return word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
}

/** The candidate closest to `word`, or undefined when none is close enough. Ties go to the first candidate. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = suggestionThreshold(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const c = candidate.toLowerCase();
    const d = editDistance(w, c);
    // never suggest a word that shares nothing with the input (e.g. "to" for "on")
    if (d > limit || d >= Math.max(w.length, c.length)) continue;
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  // `pending_statuses` -> `pending`: the longest candidate (4+ characters) that starts the word, or the reverse
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const shorter = Math.min(c.length, w.length);
    if (shorter < 4 || c === w || !(w.startsWith(c) || c.startsWith(w))) continue;
    if (best === undefined || candidate.length > best.length) best = candidate;
  }
  return best;
}

/** `did you mean "x"?` or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const s = suggest(word, candidates);
  return s === undefined ? undefined : `did you mean "${s}"?`;
}
