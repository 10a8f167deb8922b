import { gaussian, seededRandom } from 'pio-deploy/engine';
import { Matrix, pseudoInverse } from 'ml-matrix';

/** One explicit preference: `user` rated `item` with `rating`. */
export interface Rating {
  user: string;
  item: string;
  rating: number;
}

/**
 * Ratings as columns (row `i` across the arrays): users and items as indexes into `userIds`/`itemIds`,
 * numbered in order of first appearance, as `trainAls` numbers the ids of `Rating` objects.
 */
export interface RatingColumns {
  size: number;
  user: Int32Array;
  item: Int32Array;
  rating: Float64Array;
  userIds: string[];
  itemIds: string[];
}

export interface AlsParams {
  /** Number of latent factors. */
  rank: number;
  numIterations: number;
  /** Regularisation, scaled per user/item by its number of ratings (as MLlib's explicit ALS does). */
  lambda: number;
  /** Seed for the initial factors; the same seed gives the same model. */
  seed: number;
}

/**
 * Factor matrices stored row-major in flat arrays: the factors of user `u` are
 * `userFactors[u*rank .. (u+1)*rank)`, likewise for items.
 */
export interface AlsModel {
  rank: number;
  userIds: string[];
  itemIds: string[];
  userFactors: Float64Array;
  itemFactors: Float64Array;
}

export interface ItemScore {
  item: string;
  score: number;
}

/** Ratings grouped by one side (users or items), CSR style: `offsets[i]..offsets[i+1]` index `others`/`values`. */
export interface Grouped {
  offsets: Int32Array;
  others: Int32Array;
  /** Float32 when every rating is a float32 value (ratings like 4 or 3.5): half the memory, the same numbers. */
  values: Float64Array | Float32Array;
}

/**
 * Explicit-feedback alternating least squares with weighted-lambda regularisation:
 * each half-step solves, for every user (then every item), the ridge problem
 * (YᵀY + λ·n·I) x = Yᵀr over that user's n ratings with a Cholesky factorisation.
 */
export function trainAls(ratings: readonly Rating[] | RatingColumns, params: AlsParams): AlsModel {
  const { model, byUser, byItem } = prepareAls(ratings, params);
  for (let iteration = 0; iteration < params.numIterations; iteration++) {
    solveSide(byUser, model.itemFactors, model.userFactors, params.lambda, model.rank);
    solveSide(byItem, model.userFactors, model.itemFactors, params.lambda, model.rank);
  }
  return model;
}

/** Where training keeps its arrays: ordinary ones, or shared memory for worker threads. */
export interface AlsArrays {
  int32(length: number): Int32Array;
  float64(length: number): Float64Array;
  float32(length: number): Float32Array;
}

const ORDINARY_ARRAYS: AlsArrays = {
  int32: (length) => new Int32Array(length),
  float64: (length) => new Float64Array(length),
  float32: (length) => new Float32Array(length),
};

/** What every half-step reads: the ratings grouped by user and by item, and the model's initial factors. */
export interface PreparedAls {
  model: AlsModel;
  byUser: Grouped;
  byItem: Grouped;
}

/** Validates the params and builds the grouped ratings and the seeded initial factors. */
export function prepareAls(ratings: readonly Rating[] | RatingColumns, params: AlsParams, arrays = ORDINARY_ARRAYS): PreparedAls {
  const columns = 'size' in ratings ? ratings : ratingColumnsOf(ratings);
  if (columns.size === 0) {
    throw new Error('ALS needs at least one rating to train; the training data is empty.');
  }
  const { rank, numIterations, lambda } = params;
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`ALS rank must be a positive integer, got ${rank}.`);
  if (!Number.isInteger(numIterations) || numIterations < 1) {
    throw new Error(`ALS numIterations must be a positive integer, got ${numIterations}.`);
  }
  if (!(lambda >= 0)) throw new Error(`ALS lambda must be zero or positive, got ${lambda}.`);

  const { userIds, itemIds } = columns;
  const { rating } = columns;
  let single = true;
  for (let i = 0; i < rating.length && single; i++) single = Math.fround(rating[i]!) === rating[i];
  const byUser = group(userIds.length, columns.user, columns.item, rating, arrays, single);
  const byItem = group(itemIds.length, columns.item, columns.user, rating, arrays, single);

  const random = seededRandom(params.seed);
  const scale = 1 / Math.sqrt(rank);
  const userFactors = arrays.float64(userIds.length * rank);
  const itemFactors = arrays.float64(itemIds.length * rank);
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = gaussian(random) * scale;
  return { model: { rank, userIds, itemIds, userFactors, itemFactors }, byUser, byItem };
}

/** Predicted rating of one user (by index) for one item (by index). */
export function predictRating(model: AlsModel, userIdx: number, itemIdx: number): number {
  return dot(model.userFactors, userIdx * model.rank, model.itemFactors, itemIdx * model.rank, model.rank);
}

/**
 * The `num` items with the highest predicted rating for the user, best first
 * (ties broken by item order in the model, so answers are stable).
 */
export function recommendItems(model: AlsModel, userIdx: number, num: number): ItemScore[] {
  const itemCount = model.itemIds.length;
  // Queries are answered synchronously one at a time, so one score buffer serves them all.
  if (scoreBuffer.length < itemCount) scoreBuffer = new Float64Array(itemCount);
  const scores = scoreBuffer.subarray(0, itemCount);
  scoreAllItems(model, userIdx, scores);
  return topK(scores, Math.min(num, itemCount)).map((item) => ({
    item: model.itemIds[item] as string,
    score: scores[item] as number,
  }));
}

/**
 * Every item's predicted rating for one user. Four items are scored side by side: one dot product
 * is a chain of dependent additions, four independent chains keep the CPU busy (about 40% less time
 * per query than item by item), and each item's sum is still added up in factor order.
 */
function scoreAllItems(model: AlsModel, userIdx: number, scores: Float64Array): void {
  const { rank, userFactors: user, itemFactors: items } = model;
  const itemCount = scores.length;
  const u = userIdx * rank;
  let item = 0;
  for (; item + 4 <= itemCount; item += 4) {
    const o0 = item * rank;
    const o1 = o0 + rank;
    const o2 = o1 + rank;
    const o3 = o2 + rank;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let f = 0; f < rank; f++) {
      const weight = user[u + f]!;
      s0 += weight * items[o0 + f]!;
      s1 += weight * items[o1 + f]!;
      s2 += weight * items[o2 + f]!;
      s3 += weight * items[o3 + f]!;
    }
    scores[item] = s0;
    scores[item + 1] = s1;
    scores[item + 2] = s2;
    scores[item + 3] = s3;
  }
  for (; item < itemCount; item++) scores[item] = dot(user, u, items, item * rank, rank);
}

let scoreBuffer = new Float64Array(0);

/** Columns of `Rating` objects, ids numbered in order of first appearance. */
export function ratingColumnsOf(ratings: readonly Rating[]): RatingColumns {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const user = new Int32Array(ratings.length);
  const item = new Int32Array(ratings.length);
  const rating = new Float64Array(ratings.length);
  ratings.forEach((r, i) => {
    user[i] = indexOf(userIndex, r.user);
    item[i] = indexOf(itemIndex, r.item);
    rating[i] = r.rating;
  });
  return { size: ratings.length, user, item, rating, userIds: [...userIndex.keys()], itemIds: [...itemIndex.keys()] };
}

function indexOf(index: Map<string, number>, id: string): number {
  let i = index.get(id);
  if (i === undefined) {
    i = index.size;
    index.set(id, i);
  }
  return i;
}

export function group(count: number, keys: Int32Array, others: Int32Array, values: Float64Array, arrays: AlsArrays, single: boolean): Grouped {
  const offsets = arrays.int32(count + 1);
  for (const key of keys) offsets[key + 1]! += 1;
  for (let i = 0; i < count; i++) offsets[i + 1]! += offsets[i]!;
  const cursor = offsets.slice(0, count);
  const groupedOthers = arrays.int32(keys.length);
  const groupedValues = single ? arrays.float32(keys.length) : arrays.float64(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const at = cursor[keys[i]!]!++;
    groupedOthers[at] = others[i]!;
    groupedValues[at] = values[i]!;
  }
  return { offsets, others: groupedOthers, values: groupedValues };
}

/**
 * Solves (YᵀY + λ·n·I)·x = Yᵀr for every entry of one side. The k×k systems are tiny (k = rank), so
 * they are factorised in place (Cholesky) in one reused buffer: ml-matrix's CholeskyDecomposition
 * allocates several matrices per solve, which made training several times slower (bench/engines/libraries.mjs).
 */
function solveSide(grouped: Grouped, fixed: Float64Array, target: Float64Array, lambda: number, rank: number): void {
  const singular = solveEntries(grouped.offsets, grouped.others, grouped.values, fixed, target, lambda, rank, 0, grouped.offsets.length - 1);
  for (const entry of singular) solveSingular(grouped, entry, fixed, target, rank);
}

/**
 * Singular only when lambda is 0 and the entry has fewer ratings than the rank: solves the
 * minimum-norm least-squares problem instead, as a rank-deficient ridge with a vanishing penalty.
 */
export function solveSingular(grouped: Grouped, entry: number, fixed: Float64Array, target: Float64Array, rank: number): void {
  target.set(minimumNormSolve(grouped, entry, fixed, rank), entry * rank);
}

/**
 * The ridge solves of entries `from..to` of one side into `target`; returns the entries whose system
 * is singular (left for `solveSingular`). Self-contained but for `choleskySolveInPlace`: the worker
 * threads of als-parallel.ts run its source text.
 */
export function solveEntries(
  offsets: Int32Array,
  others: Int32Array,
  values: Float64Array | Float32Array,
  fixed: Float64Array,
  target: Float64Array,
  lambda: number,
  rank: number,
  from: number,
  to: number,
): number[] {
  const gram = new Float64Array(rank * rank);
  const rhs = new Float64Array(rank);
  const singular: number[] = [];
  for (let e = from; e < to; e++) {
    const start = offsets[e]!;
    const end = offsets[e + 1]!;
    gram.fill(0);
    rhs.fill(0);
    for (let n = start; n < end; n++) {
      const base = others[n]! * rank;
      const value = values[n]!;
      for (let a = 0; a < rank; a++) {
        const fa = fixed[base + a]!;
        const row = a * rank;
        for (let b = 0; b <= a; b++) gram[row + b]! += fa * fixed[base + b]!;
        rhs[a]! += fa * value;
      }
    }
    const regularisation = lambda * (end - start);
    for (let a = 0; a < rank; a++) gram[a * rank + a]! += regularisation;
    if (choleskySolveInPlace(gram, rhs, rank)) target.set(rhs, e * rank);
    else singular.push(e);
  }
  return singular;
}

/**
 * Overwrites the lower triangle of the symmetric positive definite `a` (row-major, only the lower
 * triangle is read) with its Cholesky factor L and `b` with the solution of a·x = b.
 * Returns false, leaving garbage, when `a` is not positive definite.
 */
export function choleskySolveInPlace(a: Float64Array, b: Float64Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    let diagonal = a[j * k + j]!;
    for (let p = 0; p < j; p++) diagonal -= a[j * k + p]! ** 2;
    if (!(diagonal > 0)) return false;
    const ljj = Math.sqrt(diagonal);
    a[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let sum = a[i * k + j]!;
      for (let p = 0; p < j; p++) sum -= a[i * k + p]! * a[j * k + p]!;
      a[i * k + j] = sum / ljj;
    }
  }
  for (let i = 0; i < k; i++) {
    let sum = b[i]!;
    for (let p = 0; p < i; p++) sum -= a[i * k + p]! * b[p]!;
    b[i] = sum / a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let p = i + 1; p < k; p++) sum -= a[p * k + i]! * b[p]!;
    b[i] = sum / a[i * k + i]!;
  }
  return true;
}

/** Minimum-norm least-squares factors for one entry, via ml-matrix's SVD pseudo-inverse. */
function minimumNormSolve(grouped: Grouped, entry: number, fixed: Float64Array, rank: number): Float64Array {
  const { offsets, others, values } = grouped;
  const rows: number[][] = [];
  const targets: number[] = [];
  for (let n = offsets[entry]!; n < offsets[entry + 1]!; n++) {
    const base = others[n]! * rank;
    rows.push(Array.from(fixed.subarray(base, base + rank)));
    targets.push(values[n]!);
  }
  return Float64Array.from(pseudoInverse(new Matrix(rows)).mmul(Matrix.columnVector(targets)).getColumn(0));
}

function dot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[aOffset + i]! * b[bOffset + i]!;
  return sum;
}

/** Indices of the k largest scores, largest first, via a size-k min-heap: O(n log k). */
export function topK(scores: Float64Array, k: number): number[] {
  if (k <= 0) return [];
  const heap: number[] = [];
  // "worse" = lower score, or equal score and later index, so earlier items win ties.
  const worse = (a: number, b: number): boolean =>
    scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b);
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && worse(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && worse(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    // Most items score below the current k-th best: reject them with one comparison.
    if (heap.length === k && scores[i]! < scores[heap[0]!]!) continue;
    if (heap.length < k) {
      heap.push(i);
      let c = heap.length - 1;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(heap[c]!, heap[parent]!)) break;
        [heap[c], heap[parent]] = [heap[parent]!, heap[c]!];
        c = parent;
      }
    } else if (worse(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
