// The recommendation template's ALS, with each k×k normal-equation solve done by ml-matrix's
// CholeskyDecomposition instead of the template's in-place factorisation: same indexing, same seeded
// initialisation, same arithmetic order for the normal equations, so both must give the same factors.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

function group(count, keys, others, values) {
  const offsets = new Int32Array(count + 1);
  for (const key of keys) offsets[key + 1] += 1;
  for (let i = 0; i < count; i++) offsets[i + 1] += offsets[i];
  const cursor = offsets.slice(0, count);
  const groupedOthers = new Int32Array(keys.length);
  const groupedValues = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const at = cursor[keys[i]]++;
    groupedOthers[at] = others[i];
    groupedValues[at] = values[i];
  }
  return { offsets, others: groupedOthers, values: groupedValues };
}

function solveSide({ offsets, others, values }, fixed, target, lambda, rank) {
  // Buffers are reused as in the template; only ml-matrix's own objects are created per solve.
  const gram = Array.from({ length: rank }, () => new Float64Array(rank));
  const rhs = new Float64Array(rank);
  for (let e = 0; e < offsets.length - 1; e++) {
    for (const row of gram) row.fill(0);
    rhs.fill(0);
    for (let n = offsets[e]; n < offsets[e + 1]; n++) {
      const base = others[n] * rank;
      for (let a = 0; a < rank; a++) {
        const fa = fixed[base + a];
        for (let b = 0; b <= a; b++) gram[a][b] += fa * fixed[base + b];
        rhs[a] += fa * values[n];
      }
    }
    const regularisation = lambda * (offsets[e + 1] - offsets[e]);
    for (let a = 0; a < rank; a++) {
      gram[a][a] += regularisation;
      for (let b = 0; b < a; b++) gram[b][a] = gram[a][b];
    }
    const solution = new CholeskyDecomposition(new Matrix(gram)).solve(Matrix.columnVector(rhs)).getColumn(0);
    target.set(solution, e * rank);
  }
}

export function trainAlsWithMlMatrix(ratings, { rank, numIterations, lambda, seed }, { seededRandom, gaussian }) {
  const userIndex = new Map();
  const itemIndex = new Map();
  const indexOf = (index, id) => {
    if (!index.has(id)) index.set(id, index.size);
    return index.get(id);
  };
  const userOf = Int32Array.from(ratings, (r) => indexOf(userIndex, r.user));
  const itemOf = Int32Array.from(ratings, (r) => indexOf(itemIndex, r.item));
  const values = Float64Array.from(ratings, (r) => r.rating);
  const byUser = group(userIndex.size, userOf, itemOf, values);
  const byItem = group(itemIndex.size, itemOf, userOf, values);
  const random = seededRandom(seed);
  const scale = 1 / Math.sqrt(rank);
  const userFactors = new Float64Array(userIndex.size * rank);
  const itemFactors = new Float64Array(itemIndex.size * rank);
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = gaussian(random) * scale;
  for (let iteration = 0; iteration < numIterations; iteration++) {
    solveSide(byUser, itemFactors, userFactors, lambda, rank);
    solveSide(byItem, userFactors, itemFactors, lambda, rank);
  }
  return { userFactors, itemFactors };
}
