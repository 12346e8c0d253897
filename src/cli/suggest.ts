/** "Did you mean" candidates, as the aliyun CLI finds them: Levenshtein distance of 2 or less. */

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Close names first. A name that differs only in letter case always qualifies, and so does one
 * the word is the start of (`--NewMasterKey` -> `--NewMasterKeyFile`), ranked after close ones.
 */
export function suggest(word: string, candidates: readonly string[], maxDistance = 2): string[] {
  const lower = word.toLowerCase();
  const distance = (c: string): number => {
    if (c.toLowerCase() === lower) return 0;
    const d = levenshtein(word, c);
    if (d <= maxDistance) return d;
    const isStart = lower.replace(/^-+/, '').length >= 3 && c.toLowerCase().startsWith(lower);
    return isStart ? maxDistance + 1 : Infinity;
  };
  return candidates
    .map((c) => ({ c, d: distance(c) }))
    .filter(({ d }) => d <= maxDistance + 1)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .map(({ c }) => c);
}
