/**
 * Mahout's log-likelihood ratio (`LogLikelihood.logLikelihoodRatio`) with its exact evaluation order.
 * Pairs that are independent in exact arithmetic come out as tiny positive scores or as 0 depending
 * on round-off, and every positive score is a correlator candidate, so the order of the additions
 * decides which items become correlators: do not "simplify" these expressions.
 */

function xLogX(x: number): number {
  return x === 0 ? 0 : x * Math.log(x);
}

function entropy2(a: number, b: number): number {
  return xLogX(a + b) - xLogX(a) - xLogX(b);
}

function entropy4(k11: number, k12: number, k21: number, k22: number): number {
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
