import { correlateRange, type CcoInput, type PackedCorrelators } from './cco-kernel.js';
import type { BinaryMatrix } from './preparator.js';

export type { CcoInput, PackedCorrelators } from './cco-kernel.js';

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

/** One LLR(A'B): downsampled A and B over the same user rows, and how to keep the correlators. */
export interface CcoProblem {
  a: BinaryMatrix;
  b: BinaryMatrix;
  numItems: number;
  numUsers: number;
  settings: CorrelatorSettings;
  /** false skips (a, a), as for A'A. */
  selfPairs: boolean;
  /** Each item's place in item-id order (`idOrderRank`): breaks LLR ties at the top-k boundary deterministically. */
  orderRank: Int32Array;
}

/** The inputs of `correlateRange` for a problem, in the given kind of memory. */
export function ccoInput(
  { a, b, numItems, numUsers, settings, selfPairs, orderRank }: CcoProblem,
  copy: (array: Int32Array) => Int32Array = (array) => array,
): CcoInput {
  const aByItem = transpose(a, numItems);
  return {
    aByItemPtr: copy(aByItem.rowPtr),
    aByItemRows: copy(aByItem.cols),
    bRowPtr: copy(b.rowPtr),
    bCols: copy(b.cols),
    countsA: copy(columnCounts(a, numItems)),
    countsB: copy(columnCounts(b, numItems)),
    numItems,
    numUsers,
    maxCorrelatorsPerItem: settings.maxCorrelatorsPerItem,
    minLLR: settings.minLLR ?? Number.NaN,
    selfPairs: selfPairs ? 1 : 0,
    orderRank: copy(orderRank),
  };
}

/** Packed ranges as the map the model is built from (every row item of A with a count). */
export function unpackCorrelators(input: CcoInput, parts: readonly PackedCorrelators[]): Correlators {
  const result: Correlators = new Map();
  for (const { from, offsets, items } of [...parts].sort((x, y) => x.from - y.from)) {
    for (let i = 0; i + 1 < offsets.length; i++) {
      if (input.countsA[from + i] === 0) continue;
      result.set(from + i, Array.from(items.subarray(offsets[i], offsets[i + 1])));
    }
  }
  return result;
}

/**
 * LLR(A'B) on one thread. The tie order stands in for upstream's, which is a hash map's iteration
 * order there.
 */
export function crossOccurrence(problem: CcoProblem): Correlators {
  const input = ccoInput(problem);
  return unpackCorrelators(input, [correlateRange(input, 0, problem.numItems)]);
}

/** Each item's place in the order of its id (compared as strings, as the tie-break needs). */
export function idOrderRank(ids: readonly string[]): Int32Array {
  const order = Int32Array.from(ids, (_, i) => i).sort((x, y) => (ids[x]! < ids[y]! ? -1 : ids[x]! > ids[y]! ? 1 : 0));
  const rank = new Int32Array(ids.length);
  order.forEach((item, place) => (rank[item] = place));
  return rank;
}
