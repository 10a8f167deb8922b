/**
 * Gaussian naive Bayes: each feature is modelled per class as an independent normal
 * distribution; prediction picks the class with the highest log posterior.
 */
export interface NaiveBayesParams {
  /**
   * Fraction of the largest feature variance added to every variance, so a feature that
   * is constant within a class (e.g. `data_usage` always 0) does not give zero variance.
   */
  varianceSmoothing: number;
}

export interface NaiveBayesModel {
  classes: number[];
  logPriors: number[];
  /** Per class, per feature. */
  means: number[][];
  variances: number[][];
}

export function trainNaiveBayes(
  features: readonly (readonly number[])[],
  labels: readonly number[],
  params: NaiveBayesParams,
): NaiveBayesModel {
  if (features.length === 0) throw new Error('Naive Bayes needs at least one training example; the training data is empty.');
  if (features.length !== labels.length) throw new Error(`Got ${features.length} feature rows but ${labels.length} labels.`);
  if (!(params.varianceSmoothing >= 0)) {
    throw new Error(`varianceSmoothing must be zero or positive, got ${params.varianceSmoothing}.`);
  }
  const width = features[0]!.length;
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const classOf = new Map(classes.map((label, c) => [label, c]));
  const counts = new Array<number>(classes.length).fill(0);
  const sums = classes.map(() => new Array<number>(width).fill(0));
  features.forEach((row, i) => {
    if (row.length !== width) throw new Error(`Training example ${i} has ${row.length} features, expected ${width}.`);
    const c = classOf.get(labels[i]!)!;
    counts[c]! += 1;
    row.forEach((value, f) => (sums[c]![f]! += value));
  });
  const means = sums.map((sum, c) => sum.map((s) => s / counts[c]!));
  const squares = classes.map(() => new Array<number>(width).fill(0));
  features.forEach((row, i) => {
    const c = classOf.get(labels[i]!)!;
    row.forEach((value, f) => (squares[c]![f]! += (value - means[c]![f]!) ** 2));
  });

  const overallVariance = columnVariances(features, width);
  const epsilon = params.varianceSmoothing * Math.max(...overallVariance) || Number.MIN_VALUE;
  return {
    classes,
    logPriors: counts.map((count) => Math.log(count / features.length)),
    means,
    variances: squares.map((square, c) => square.map((s) => s / counts[c]! + epsilon)),
  };
}

/** Log of the joint likelihood p(class)·Πp(x_f|class) per class index. */
export function logLikelihoods(model: NaiveBayesModel, x: readonly number[]): number[] {
  return model.classes.map((_, c) => {
    let sum = model.logPriors[c]!;
    const means = model.means[c]!;
    const variances = model.variances[c]!;
    for (let f = 0; f < x.length; f++) {
      const variance = variances[f]!;
      sum -= 0.5 * Math.log(2 * Math.PI * variance) + (x[f]! - means[f]!) ** 2 / (2 * variance);
    }
    return sum;
  });
}

export function predictNaiveBayes(model: NaiveBayesModel, x: readonly number[]): number {
  const width = model.means[0]!.length;
  if (x.length !== width) throw new Error(`Expected ${width} features, got ${x.length}.`);
  const scores = logLikelihoods(model, x);
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c]! > scores[best]!) best = c;
  return model.classes[best]!;
}

function columnVariances(features: readonly (readonly number[])[], width: number): number[] {
  return Array.from({ length: width }, (_, f) => {
    let mean = 0;
    for (const row of features) mean += row[f]!;
    mean /= features.length;
    let sum = 0;
    for (const row of features) sum += (row[f]! - mean) ** 2;
    return sum / features.length;
  });
}
