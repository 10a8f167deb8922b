import { Matrix, solve } from 'ml-matrix';

/** y ≈ intercept + Σ weights[f]·x[f]. */
export interface LinearModel {
  intercept: number;
  weights: number[];
}

export interface RidgeParams {
  /** L2 penalty λ in (1/2n)·Σ(y − ŷ)² + (λ/2)·‖w‖²; 0 gives ordinary least squares. */
  regParam: number;
}

export interface LassoParams {
  /** L1 penalty λ in (1/2n)·Σ(y − ŷ)² + λ·‖w‖₁. */
  regParam: number;
  maxIterations: number;
  /** Stop when no weight moves by more than this between sweeps. */
  tolerance: number;
}

export function predictLinear(model: LinearModel, x: readonly number[]): number {
  if (x.length !== model.weights.length) {
    throw new Error(`Expected a vector of ${model.weights.length} features, got ${x.length}.`);
  }
  let sum = model.intercept;
  for (let f = 0; f < x.length; f++) sum += model.weights[f]! * x[f]!;
  return sum;
}

/**
 * Ridge regression in closed form with ml-matrix: the intercept is left unpenalised by
 * centring, then (XcᵀXc/n + λI)·w = Xcᵀyc/n is solved via SVD so that λ = 0 with
 * collinear features still yields the minimum-norm least-squares answer.
 */
export function trainRidge(features: readonly (readonly number[])[], targets: readonly number[], params: RidgeParams): LinearModel {
  if (!(params.regParam >= 0)) throw new Error(`regParam must be zero or positive, got ${params.regParam}.`);
  const { centred, featureMeans, targetMean, centredTargets, n, width } = centre(features, targets);
  const x = new Matrix(centred);
  const gram = x.transpose().mmul(x).div(n);
  for (let f = 0; f < width; f++) gram.set(f, f, gram.get(f, f) + params.regParam);
  const moment = x.transpose().mmul(Matrix.columnVector(centredTargets)).div(n);
  const weights = solve(gram, moment, true).getColumn(0);
  return withIntercept(weights, featureMeans, targetMean);
}

/**
 * Lasso by cyclic coordinate descent with soft thresholding on centred data
 * (the intercept is not penalised).
 */
export function trainLasso(features: readonly (readonly number[])[], targets: readonly number[], params: LassoParams): LinearModel {
  if (!(params.regParam >= 0)) throw new Error(`regParam must be zero or positive, got ${params.regParam}.`);
  if (!Number.isInteger(params.maxIterations) || params.maxIterations < 1) {
    throw new Error(`maxIterations must be a positive integer, got ${params.maxIterations}.`);
  }
  const { centred, featureMeans, targetMean, centredTargets, n, width } = centre(features, targets);
  const columns = Array.from({ length: width }, (_, f) => Float64Array.from(centred, (row) => row[f]!));
  const squaredNorms = columns.map((column) => column.reduce((sum, v) => sum + v * v, 0) / n);
  const residual = Float64Array.from(centredTargets);
  const weights = new Array<number>(width).fill(0);
  for (let iteration = 0; iteration < params.maxIterations; iteration++) {
    let largestMove = 0;
    for (let f = 0; f < width; f++) {
      const column = columns[f]!;
      const norm = squaredNorms[f]!;
      if (norm === 0) continue;
      const old = weights[f]!;
      let rho = 0;
      for (let i = 0; i < n; i++) rho += column[i]! * (residual[i]! + old * column[i]!);
      rho /= n;
      const updated = Math.sign(rho) * Math.max(Math.abs(rho) - params.regParam, 0) / norm;
      if (updated !== old) {
        const delta = updated - old;
        for (let i = 0; i < n; i++) residual[i]! -= delta * column[i]!;
        weights[f] = updated;
        largestMove = Math.max(largestMove, Math.abs(delta));
      }
    }
    if (largestMove <= params.tolerance) break;
  }
  return withIntercept(weights, featureMeans, targetMean);
}

function centre(features: readonly (readonly number[])[], targets: readonly number[]) {
  const n = features.length;
  if (n === 0) throw new Error('Regression needs at least one training example; the training data is empty.');
  if (targets.length !== n) throw new Error(`Got ${n} feature vectors but ${targets.length} targets.`);
  const width = features[0]!.length;
  if (width === 0) throw new Error('Training vectors have no features.');
  features.forEach((row, i) => {
    if (row.length !== width) throw new Error(`Training vector ${i} has ${row.length} features, expected ${width}.`);
    if (!row.every(Number.isFinite)) throw new Error(`Training vector ${i} has a non-numeric feature.`);
  });
  if (!targets.every(Number.isFinite)) throw new Error('Every target must be a number.');
  const featureMeans = Array.from({ length: width }, (_, f) => features.reduce((sum, row) => sum + row[f]!, 0) / n);
  const targetMean = targets.reduce((sum, y) => sum + y, 0) / n;
  return {
    n,
    width,
    featureMeans,
    targetMean,
    centred: features.map((row) => row.map((value, f) => value - featureMeans[f]!)),
    centredTargets: targets.map((y) => y - targetMean),
  };
}

function withIntercept(weights: number[], featureMeans: number[], targetMean: number): LinearModel {
  const intercept = targetMean - weights.reduce((sum, w, f) => sum + w * featureMeans[f]!, 0);
  return { intercept, weights };
}
