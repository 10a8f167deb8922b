/**
 * Lucene 6's BM25 (Elasticsearch 5's default similarity) for the UR index, step by step in float32
 * as Lucene computes it. Keyword fields have no norms and frequency 1, so the tf factor is 1 up to
 * float round-off, which is kept: `weight * (k1 + 1) * freq / (freq + k1)`.
 */
const K1 = Math.fround(1.2);
const K1_PLUS_1 = Math.fround(K1 + 1);
const FREQ = 1;
const FREQ_PLUS_NORM = Math.fround(FREQ + K1);

/** `(float) Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5))`, computed in double. */
export function bm25Idf(docFreq: number, docCount: number): number {
  return Math.fround(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/** The score of one matching term of a clause with the given (float) boost. */
export function termScore(idf: number, boost: number): number {
  const weight = Math.fround(idf * boost);
  const weightValue = Math.fround(weight * K1_PLUS_1);
  return Math.fround(Math.fround(weightValue * FREQ) / FREQ_PLUS_NORM);
}
