import { cooccurrenceLlr } from './llr.js';
import type { BinaryMatrix } from './preparator.js';

/**
 * Correlated cross-occurrence (Mahout's `SimilarityAnalysis` as UR 0.7.3 calls it): downsample each
 * matrix, count co-occurrences A'B, score every pair by LLR and keep the best per item.
 */

export interface CorrelatorSettings {
  /** Downsampling cap: interactions per user row and per item column. */
  maxInteractions: number;
  maxCorrelatorsPerItem: number;
  minLLR: number | undefined;
}

/** Per row item of A (global item index), its correlated items of B, best first. */
export type Correlators = Map<number, number[]>;

/** A small seeded generator (mulberry32): downsampling must be repeatable for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function columnCounts(matrix: BinaryMatrix, numItems: number): Int32Array {
  const counts = new Int32Array(numItems);
  for (const col of matrix.cols) counts[col]!++;
  return counts;
}

/**
 * Mahout's `sampleDownAndBinarize`: each interaction is kept with probability
 * min(rowRate, colRate), rate = min(cap, n) / n. Mahout computes the row rate in integer arithmetic,
 * so a user with more than `cap` interactions loses the whole row; we do the same deliberately, to
 * give the same correlators as upstream. The row stays counted in the number of users.
 */
export function downsample(matrix: BinaryMatrix, cap: number, numItems: number, random: () => number): BinaryMatrix {
  const colCounts = columnCounts(matrix, numItems);
  const rows = matrix.rowPtr.length - 1;
  const rowPtr = new Int32Array(rows + 1);
  const cols = new Int32Array(matrix.cols.length);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = out;
    const start = matrix.rowPtr[r]!;
    const end = matrix.rowPtr[r + 1]!;
    if (end - start > cap) continue;
    for (let k = start; k < end; k++) {
      const col = matrix.cols[k]!;
      const n = colCounts[col]!;
      const rate = Math.min(cap, n) / n;
      if (rate >= 1 || random() <= rate) cols[out++] = col;
    }
  }
  rowPtr[rows] = out;
  return { rowPtr, cols: cols.slice(0, out) };
}

/** Column-major copy (item → rows) of a matrix. */
function transpose(matrix: BinaryMatrix, numItems: number): BinaryMatrix {
  const counts = columnCounts(matrix, numItems);
  const colPtr = new Int32Array(numItems + 1);
  for (let c = 0; c < numItems; c++) colPtr[c + 1] = colPtr[c]! + counts[c]!;
  const fill = colPtr.slice(0, numItems);
  const rowsOut = new Int32Array(matrix.cols.length);
  const rows = matrix.rowPtr.length - 1;
  for (let r = 0; r < rows; r++) {
    for (let k = matrix.rowPtr[r]!; k < matrix.rowPtr[r + 1]!; k++) rowsOut[fill[matrix.cols[k]!]!++] = r;
  }
  return { rowPtr: colPtr, cols: rowsOut };
}

/**
 * LLR(A'B) for downsampled A and B over the same user rows. `rowItems` are the items of A that get a
 * row (every column of the raw primary matrix). `selfPairs` false skips (a, a), as for A'A.
 * `itemOrder` breaks LLR ties at the top-k boundary deterministically (upstream's order there is
 * a hash-map iteration order).
 */
export function crossOccurrence(
  a: BinaryMatrix,
  b: BinaryMatrix,
  numItems: number,
  numUsers: number,
  settings: CorrelatorSettings,
  selfPairs: boolean,
  itemOrder: (x: number, y: number) => number,
): Correlators {
  const countsA = columnCounts(a, numItems);
  const countsB = columnCounts(b, numItems);
  const aByItem = transpose(a, numItems);
  const cooccurrences = new Int32Array(numItems);
  const touched: number[] = [];
  const result: Correlators = new Map();
  for (let itemA = 0; itemA < numItems; itemA++) {
    if (countsA[itemA] === 0) continue;
    for (let k = aByItem.rowPtr[itemA]!; k < aByItem.rowPtr[itemA + 1]!; k++) {
      const row = aByItem.cols[k]!;
      for (let j = b.rowPtr[row]!; j < b.rowPtr[row + 1]!; j++) {
        const itemB = b.cols[j]!;
        if (cooccurrences[itemB] === 0) touched.push(itemB);
        cooccurrences[itemB]!++;
      }
    }
    const candidates: Array<[number, number]> = [];
    for (const itemB of touched) {
      const both = cooccurrences[itemB]!;
      cooccurrences[itemB] = 0;
      if (!selfPairs && itemB === itemA) continue;
      // Row item first: the argument order decides the summation order inside the LLR.
      const llr = cooccurrenceLlr(countsA[itemA]!, countsB[itemB]!, both, numUsers);
      if (settings.minLLR !== undefined && llr < settings.minLLR) continue;
      candidates.push([itemB, llr]);
    }
    touched.length = 0;
    candidates.sort((x, y) => y[1] - x[1] || itemOrder(x[0], y[0]));
    // A zero score is not stored in Mahout's sparse result, so it is no correlator.
    const kept = candidates.slice(0, settings.maxCorrelatorsPerItem).filter(([, llr]) => llr !== 0);
    result.set(
      itemA,
      kept.map(([item]) => item),
    );
  }
  return result;
}
