/** Word errors of one hypothesis against its reference, both already normalized. */
export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Words in the reference. */
  words: number;
}

function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/** The fewest substitutions, deletions and insertions that turn the reference into the hypothesis (Levenshtein over words). */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = wordsOf(reference);
  const hyp = wordsOf(hypothesis);
  // row[j]: the cheapest alignment of ref[0, i) with hyp[0, j) and its error counts, one row per i.
  type Cell = { cost: number; substitutions: number; deletions: number; insertions: number };
  let row: Cell[] = Array.from({ length: hyp.length + 1 }, (_, j) => ({ cost: j, substitutions: 0, deletions: 0, insertions: j }));
  for (let i = 1; i <= ref.length; i++) {
    const next: Cell[] = [{ cost: i, substitutions: 0, deletions: i, insertions: 0 }];
    for (let j = 1; j <= hyp.length; j++) {
      const diagonal = row[j - 1]!;
      const same = ref[i - 1] === hyp[j - 1];
      const candidates: Cell[] = [
        { ...diagonal, cost: diagonal.cost + (same ? 0 : 1), substitutions: diagonal.substitutions + (same ? 0 : 1) },
        { ...row[j]!, cost: row[j]!.cost + 1, deletions: row[j]!.deletions + 1 },
        { ...next[j - 1]!, cost: next[j - 1]!.cost + 1, insertions: next[j - 1]!.insertions + 1 },
      ];
      next.push(candidates.reduce((best, cell) => (cell.cost < best.cost ? cell : best)));
    }
    row = next;
  }
  const { substitutions, deletions, insertions } = row[hyp.length]!;
  return { substitutions, deletions, insertions, words: ref.length };
}

/** Corpus word error rate: all errors over all reference words (not a mean of per-sentence rates). */
export function wordErrorRate(errors: readonly WordErrors[]): number {
  let wrong = 0;
  let words = 0;
  for (const e of errors) {
    wrong += e.substitutions + e.deletions + e.insertions;
    words += e.words;
  }
  return words === 0 ? 0 : wrong / words;
}
