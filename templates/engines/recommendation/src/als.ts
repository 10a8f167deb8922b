import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { gaussian, seededRandom } from './random.js';

/** One explicit preference: `user` rated `item` with `rating`. */
export interface Rating {
  user: string;
  item: string;
  rating: number;
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
interface Grouped {
  offsets: Int32Array;
  others: Int32Array;
  values: Float64Array;
}

/**
 * Explicit-feedback alternating least squares with weighted-lambda regularisation:
 * each half-step solves, for every user (then every item), the ridge problem
 * (YᵀY + λ·n·I) x = Yᵀr over that user's n ratings with a Cholesky factorisation.
 */
export function trainAls(ratings: readonly Rating[], params: AlsParams): AlsModel {
  if (ratings.length === 0) {
    throw new Error('ALS needs at least one rating to train; the training data is empty.');
  }
  const { rank, numIterations, lambda } = params;
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`ALS rank must be a positive integer, got ${rank}.`);
  if (!Number.isInteger(numIterations) || numIterations < 1) {
    throw new Error(`ALS numIterations must be a positive integer, got ${numIterations}.`);
  }
  if (!(lambda >= 0)) throw new Error(`ALS lambda must be zero or positive, got ${lambda}.`);

  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const userOf = new Int32Array(ratings.length);
  const itemOf = new Int32Array(ratings.length);
  const values = new Float64Array(ratings.length);
  ratings.forEach((r, i) => {
    userOf[i] = indexOf(userIndex, r.user);
    itemOf[i] = indexOf(itemIndex, r.item);
    values[i] = r.rating;
  });
  const byUser = group(userIndex.size, userOf, itemOf, values);
  const byItem = group(itemIndex.size, itemOf, userOf, values);

  const random = seededRandom(params.seed);
  const scale = 1 / Math.sqrt(rank);
  const userFactors = new Float64Array(userIndex.size * rank);
  const itemFactors = new Float64Array(itemIndex.size * rank);
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = gaussian(random) * scale;

  const solver = new NormalEquations(rank);
  for (let iteration = 0; iteration < numIterations; iteration++) {
    solveSide(byUser, itemFactors, userFactors, lambda, solver);
    solveSide(byItem, userFactors, itemFactors, lambda, solver);
  }
  return {
    rank,
    userIds: [...userIndex.keys()],
    itemIds: [...itemIndex.keys()],
    userFactors,
    itemFactors,
  };
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
  const { rank, itemFactors, userFactors } = model;
  const itemCount = model.itemIds.length;
  const scores = new Float64Array(itemCount);
  const userOffset = userIdx * rank;
  for (let item = 0; item < itemCount; item++) {
    scores[item] = dot(userFactors, userOffset, itemFactors, item * rank, rank);
  }
  return topK(scores, Math.min(num, itemCount)).map((item) => ({
    item: model.itemIds[item] as string,
    score: scores[item] as number,
  }));
}

function indexOf(index: Map<string, number>, id: string): number {
  let i = index.get(id);
  if (i === undefined) {
    i = index.size;
    index.set(id, i);
  }
  return i;
}

function group(count: number, keys: Int32Array, others: Int32Array, values: Float64Array): Grouped {
  const offsets = new Int32Array(count + 1);
  for (const key of keys) offsets[key + 1]! += 1;
  for (let i = 0; i < count; i++) offsets[i + 1]! += offsets[i]!;
  const cursor = offsets.slice(0, count);
  const groupedOthers = new Int32Array(keys.length);
  const groupedValues = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const at = cursor[keys[i]!]!++;
    groupedOthers[at] = others[i]!;
    groupedValues[at] = values[i]!;
  }
  return { offsets, others: groupedOthers, values: groupedValues };
}

/** Reusable k×k normal-equation buffers; the solve itself is ml-matrix's Cholesky decomposition. */
class NormalEquations {
  readonly gram: Float64Array[];
  readonly rhs: Float64Array;

  constructor(readonly rank: number) {
    this.gram = Array.from({ length: rank }, () => new Float64Array(rank));
    this.rhs = new Float64Array(rank);
  }

  reset(): void {
    for (const row of this.gram) row.fill(0);
    this.rhs.fill(0);
  }

  solve(): Float64Array | undefined {
    const cholesky = new CholeskyDecomposition(new Matrix(this.gram));
    if (!cholesky.isPositiveDefinite()) return undefined;
    return Float64Array.from(cholesky.solve(Matrix.columnVector(this.rhs)).getColumn(0));
  }
}

function solveSide(grouped: Grouped, fixed: Float64Array, target: Float64Array, lambda: number, solver: NormalEquations): void {
  const { rank, gram, rhs } = solver;
  const { offsets, others, values } = grouped;
  const entries = offsets.length - 1;
  for (let e = 0; e < entries; e++) {
    const start = offsets[e]!;
    const end = offsets[e + 1]!;
    solver.reset();
    for (let n = start; n < end; n++) {
      const base = others[n]! * rank;
      const value = values[n]!;
      for (let a = 0; a < rank; a++) {
        const fa = fixed[base + a]!;
        const row = gram[a]!;
        for (let b = 0; b <= a; b++) row[b]! += fa * fixed[base + b]!;
        rhs[a]! += fa * value;
      }
    }
    const regularisation = lambda * (end - start);
    for (let a = 0; a < rank; a++) {
      const row = gram[a]!;
      row[a]! += regularisation;
      for (let b = 0; b < a; b++) gram[b]![a] = row[b]!;
    }
    let solution = solver.solve();
    if (solution === undefined) {
      // Singular only when lambda is 0 and the entry has fewer ratings than the rank:
      // a tiny ridge keeps the solve defined without changing well-posed cases.
      for (let a = 0; a < rank; a++) gram[a]![a]! += 1e-9 + 1e-6 * gram[a]![a]!;
      solution = solver.solve() ?? new Float64Array(rank);
    }
    target.set(solution, e * rank);
  }
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
