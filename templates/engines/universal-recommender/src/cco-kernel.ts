/**
 * The correlation kernel, self-contained because worker threads run its source text (cco-parallel.ts):
 * Mahout's log-likelihood ratio and the correlators of a range of items.
 *
 * Mahout's log-likelihood ratio (`LogLikelihood.logLikelihoodRatio`) with its exact evaluation order.
 * Pairs that are independent in exact arithmetic come out as tiny positive scores or as 0 depending
 * on round-off, and every positive score is a correlator candidate, so the order of the additions
 * decides which items become correlators: do not "simplify" these expressions.
 */

export function xLogX(x: number): number {
  return x === 0 ? 0 : x * Math.log(x);
}

export function entropy2(a: number, b: number): number {
  return xLogX(a + b) - xLogX(a) - xLogX(b);
}

export function entropy4(k11: number, k12: number, k21: number, k22: number): number {
  // Left to right into one double, as Mahout's varargs loop does.
  let result = 0;
  result += xLogX(k11);
  result += xLogX(k12);
  result += xLogX(k21);
  result += xLogX(k22);
  return xLogX(k11 + k12 + k21 + k22) - result;
}

/** The 2×2 contingency-table form; counts must be non-negative integers. */
export function logLikelihoodRatio(k11: number, k12: number, k21: number, k22: number): number {
  if (k11 < 0 || k12 < 0 || k21 < 0 || k22 < 0) {
    throw new Error(`LLR counts must be non-negative, got ${k11}, ${k12}, ${k21}, ${k22}`);
  }
  const rowEntropy = entropy2(k11 + k12, k21 + k22);
  const columnEntropy = entropy2(k11 + k21, k12 + k22);
  const matrixEntropy = entropy4(k11, k12, k21, k22);
  // Round-off can make the sum fall below the matrix entropy: Mahout answers 0 then.
  if (rowEntropy + columnEntropy < matrixEntropy) return 0;
  return 2.0 * (rowEntropy + columnEntropy - matrixEntropy);
}

/**
 * Mahout's `SimilarityAnalysis.logLikelihoodRatio`: the table from the interaction counts of the row
 * item (`withA`), the column item (`withB`), both, and the number of users.
 */
export function cooccurrenceLlr(withA: number, withB: number, withBoth: number, users: number): number {
  return logLikelihoodRatio(withBoth, withA - withBoth, withB - withBoth, users - withA - withB + withBoth);
}

/** What one pass of LLR(A'B) reads: typed arrays and numbers only, so worker threads can share them. */
export interface CcoInput {
  /** A by item (column-major): the user rows of each item. */
  aByItemPtr: Int32Array;
  aByItemRows: Int32Array;
  /** B by user row. */
  bRowPtr: Int32Array;
  bCols: Int32Array;
  countsA: Int32Array;
  countsB: Int32Array;
  numItems: number;
  numUsers: number;
  maxCorrelatorsPerItem: number;
  /** NaN: no minimum. */
  minLLR: number;
  /** 0 skips (a, a), as for A'A. */
  selfPairs: number;
  /** Each item's place in item-id order: breaks LLR ties at the top-k boundary deterministically. */
  orderRank: Int32Array;
}

/** The correlators of the row items `from` to `to` (exclusive), packed: item `from + i` has `items[offsets[i]..offsets[i + 1])`, best first. */
export interface PackedCorrelators {
  from: number;
  offsets: Int32Array;
  items: Int32Array;
}

/**
 * LLR(A'B) for the row items `[from, to)` of downsampled A and B over the same user rows. Self-contained
 * (it only calls the LLR functions) because worker threads run its source text.
 */
export function correlateRange(input: CcoInput, from: number, to: number): PackedCorrelators {
  const { aByItemPtr, aByItemRows, bRowPtr, bCols, countsA, countsB, numUsers, maxCorrelatorsPerItem, minLLR, selfPairs, orderRank } = input;
  const cooccurrences = new Int32Array(input.numItems);
  const touched: number[] = [];
  const offsets = new Int32Array(to - from + 1);
  const items: number[] = [];
  for (let itemA = from; itemA < to; itemA++) {
    offsets[itemA - from] = items.length;
    if (countsA[itemA] === 0) continue;
    for (let k = aByItemPtr[itemA]!; k < aByItemPtr[itemA + 1]!; k++) {
      const row = aByItemRows[k]!;
      for (let j = bRowPtr[row]!; j < bRowPtr[row + 1]!; j++) {
        const itemB = bCols[j]!;
        if (cooccurrences[itemB] === 0) touched.push(itemB);
        cooccurrences[itemB]!++;
      }
    }
    const candidates: Array<[number, number]> = [];
    for (const itemB of touched) {
      const both = cooccurrences[itemB]!;
      cooccurrences[itemB] = 0;
      if (selfPairs === 0 && itemB === itemA) continue;
      // Row item first: the argument order decides the summation order inside the LLR.
      const llr = cooccurrenceLlr(countsA[itemA]!, countsB[itemB]!, both, numUsers);
      if (llr < minLLR) continue;
      candidates.push([itemB, llr]);
    }
    touched.length = 0;
    candidates.sort((x, y) => y[1] - x[1] || orderRank[x[0]]! - orderRank[y[0]]!);
    // A zero score is not stored in Mahout's sparse result, so it is no correlator.
    const kept = Math.min(candidates.length, maxCorrelatorsPerItem);
    for (let i = 0; i < kept; i++) if (candidates[i]![1] !== 0) items.push(candidates[i]![0]);
  }
  offsets[to - from] = items.length;
  return { from, offsets, items: Int32Array.from(items) };
}

