import { seededRandom } from 'pio-deploy/engine';

export type FeatureSubsetStrategy = 'auto' | 'all' | 'sqrt' | 'log2' | 'onethird';

export interface RandomForestParams {
  numTrees: number;
  maxDepth: number;
  featureSubsetStrategy: FeatureSubsetStrategy;
  /** A split must leave at least this many (bootstrap) samples on each side. */
  minInstancesPerNode: number;
  seed: number;
}

/**
 * One classification tree in flat arrays. Node `n` is a leaf when `feature[n] === -1`;
 * otherwise samples with `x[feature[n]] <= threshold[n]` go to `left[n]`, the others to `right[n]`.
 * A leaf's class frequencies are `leafDistribution[leaf[n]*numClasses ..]`.
 */
export interface DecisionTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  leaf: number[];
  leafDistribution: number[];
}

export interface RandomForestModel {
  /** Label values in class-index order: class `c` predicts `classes[c]`. */
  classes: number[];
  numFeatures: number;
  trees: DecisionTree[];
}

/**
 * Trains a random forest of Gini classification trees on bootstrap samples.
 *
 * The split search sorts a node's samples once per candidate feature and sweeps the
 * sorted order keeping class counts, so a node costs O(n log n) per feature instead of
 * re-counting both sides for every threshold (O(n²)) as ml-random-forest/ml-cart do.
 */
export function trainRandomForest(
  features: readonly (readonly number[])[],
  labels: readonly number[],
  params: RandomForestParams,
): RandomForestModel {
  validate(features, labels, params);
  const numFeatures = features[0]!.length;
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const classOf = new Map(classes.map((label, c) => [label, c]));
  const columns = Array.from({ length: numFeatures }, (_, f) => Float64Array.from(features, (row) => row[f]!));
  const y = Int32Array.from(labels, (label) => classOf.get(label)!);
  const random = seededRandom(params.seed);
  const featuresPerNode = featureSubsetSize(params.featureSubsetStrategy, numFeatures, params.numTrees);

  const trees: DecisionTree[] = [];
  for (let t = 0; t < params.numTrees; t++) {
    const sample = params.numTrees === 1 ? identity(labels.length) : bootstrap(labels.length, random);
    const builder = new TreeBuilder(columns, y, classes.length, params, featuresPerNode, random);
    builder.grow(sample, 0);
    trees.push(builder.tree);
  }
  return { classes, numFeatures, trees };
}

/** Averaged leaf class frequencies over all trees, per class index. */
export function predictProbabilities(model: RandomForestModel, x: readonly number[]): number[] {
  const numClasses = model.classes.length;
  const totals = new Array<number>(numClasses).fill(0);
  for (const tree of model.trees) {
    let node = 0;
    while (tree.feature[node]! !== -1) {
      node = x[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
    }
    const offset = tree.leaf[node]! * numClasses;
    for (let c = 0; c < numClasses; c++) totals[c]! += tree.leafDistribution[offset + c]!;
  }
  return totals.map((total) => total / model.trees.length);
}

/** The label with the highest averaged probability (lowest label on ties). */
export function predictClass(model: RandomForestModel, x: readonly number[]): number {
  if (x.length !== model.numFeatures) {
    throw new Error(`Expected ${model.numFeatures} features, got ${x.length}.`);
  }
  const probabilities = predictProbabilities(model, x);
  let best = 0;
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[best]!) best = c;
  return model.classes[best]!;
}

export function featureSubsetSize(strategy: FeatureSubsetStrategy, numFeatures: number, numTrees: number): number {
  switch (strategy) {
    case 'all':
      return numFeatures;
    case 'auto':
      return numTrees === 1 ? numFeatures : Math.ceil(Math.sqrt(numFeatures));
    case 'sqrt':
      return Math.ceil(Math.sqrt(numFeatures));
    case 'log2':
      return Math.max(1, Math.ceil(Math.log2(numFeatures)));
    case 'onethird':
      return Math.max(1, Math.ceil(numFeatures / 3));
  }
}

function validate(features: readonly (readonly number[])[], labels: readonly number[], params: RandomForestParams): void {
  if (features.length === 0) throw new Error('Random forest needs at least one training example; the training data is empty.');
  if (features.length !== labels.length) {
    throw new Error(`Got ${features.length} feature rows but ${labels.length} labels.`);
  }
  const width = features[0]!.length;
  if (width === 0) throw new Error('Training examples have no features.');
  features.forEach((row, i) => {
    if (row.length !== width) throw new Error(`Training example ${i} has ${row.length} features, expected ${width}.`);
    if (!row.every(Number.isFinite)) throw new Error(`Training example ${i} has a non-numeric feature.`);
  });
  if (!labels.every(Number.isFinite)) throw new Error('Every label must be a number.');
  if (!Number.isInteger(params.numTrees) || params.numTrees < 1) {
    throw new Error(`numTrees must be a positive integer, got ${params.numTrees}.`);
  }
  if (!Number.isInteger(params.maxDepth) || params.maxDepth < 0) {
    throw new Error(`maxDepth must be a non-negative integer, got ${params.maxDepth}.`);
  }
  if (!Number.isInteger(params.minInstancesPerNode) || params.minInstancesPerNode < 1) {
    throw new Error(`minInstancesPerNode must be a positive integer, got ${params.minInstancesPerNode}.`);
  }
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function bootstrap(n: number, random: () => number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(random() * n));
}

interface Split {
  feature: number;
  threshold: number;
}

class TreeBuilder {
  readonly tree: DecisionTree = { feature: [], threshold: [], left: [], right: [], leaf: [], leafDistribution: [] };
  private readonly leftCounts: Float64Array;
  private readonly rightCounts: Float64Array;

  constructor(
    private readonly columns: Float64Array[],
    private readonly y: Int32Array,
    private readonly numClasses: number,
    private readonly params: RandomForestParams,
    private readonly featuresPerNode: number,
    private readonly random: () => number,
  ) {
    this.leftCounts = new Float64Array(numClasses);
    this.rightCounts = new Float64Array(numClasses);
  }

  /** Adds the subtree for `samples` and returns its node index. */
  grow(samples: Int32Array, depth: number): number {
    const node = this.tree.feature.length;
    this.tree.feature.push(-1);
    this.tree.threshold.push(0);
    this.tree.left.push(-1);
    this.tree.right.push(-1);
    this.tree.leaf.push(-1);

    const counts = this.classCounts(samples);
    const pure = counts.filter((count) => count > 0).length <= 1;
    const split =
      pure || depth >= this.params.maxDepth || samples.length < 2 * this.params.minInstancesPerNode
        ? undefined
        : this.bestSplit(samples, counts);
    if (split === undefined) {
      this.tree.leaf[node] = this.tree.leafDistribution.length / this.numClasses;
      for (const count of counts) this.tree.leafDistribution.push(count / samples.length);
      return node;
    }
    const column = this.columns[split.feature]!;
    const goesLeft = samples.filter((s) => column[s]! <= split.threshold);
    const goesRight = samples.filter((s) => column[s]! > split.threshold);
    this.tree.feature[node] = split.feature;
    this.tree.threshold[node] = split.threshold;
    this.tree.left[node] = this.grow(goesLeft, depth + 1);
    this.tree.right[node] = this.grow(goesRight, depth + 1);
    return node;
  }

  private classCounts(samples: Int32Array): Float64Array {
    const counts = new Float64Array(this.numClasses);
    for (const s of samples) counts[this.y[s]!]! += 1;
    return counts;
  }

  /**
   * Best Gini split among a random subset of features. Minimising weighted Gini impurity
   * equals maximising Σc_L²/n_L + Σc_R²/n_R, whose sums of squares update in O(1) as one
   * sample moves from the right side to the left during the sweep.
   */
  private bestSplit(samples: Int32Array, counts: Float64Array): Split | undefined {
    const n = samples.length;
    const minSide = this.params.minInstancesPerNode;
    let parentSumSq = 0;
    for (const count of counts) parentSumSq += count * count;
    let bestScore = parentSumSq / n + 1e-12;
    let best: Split | undefined;

    for (const feature of this.candidateFeatures()) {
      const column = this.columns[feature]!;
      const order = samples.slice().sort((a, b) => column[a]! - column[b]!);
      const left = this.leftCounts.fill(0);
      const right = this.rightCounts;
      right.set(counts);
      let leftSumSq = 0;
      let rightSumSq = parentSumSq;
      for (let i = 0; i < n - 1; i++) {
        const c = this.y[order[i]!]!;
        leftSumSq += 2 * left[c]! + 1;
        rightSumSq -= 2 * right[c]! - 1;
        left[c]! += 1;
        right[c]! -= 1;
        const value = column[order[i]!]!;
        const next = column[order[i + 1]!]!;
        const leftSize = i + 1;
        if (value === next || leftSize < minSide || n - leftSize < minSide) continue;
        const score = leftSumSq / leftSize + rightSumSq / (n - leftSize);
        if (score > bestScore) {
          bestScore = score;
          const middle = value + (next - value) / 2;
          // Adjacent doubles have no midpoint between them; `value` still separates them.
          best = { feature, threshold: middle < next ? middle : value };
        }
      }
    }
    return best;
  }

  private candidateFeatures(): number[] {
    const all = Array.from({ length: this.columns.length }, (_, f) => f);
    if (this.featuresPerNode >= all.length) return all;
    // Partial Fisher-Yates: the first k entries become a uniform random subset.
    for (let i = 0; i < this.featuresPerNode; i++) {
      const j = i + Math.floor(this.random() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, this.featuresPerNode);
  }
}
