import { seededRandom } from 'pio-deploy/engine';
import { describe, expect, it } from 'vitest';
import { featureSubsetSize, predictClass, predictProbabilities, trainRandomForest, type RandomForestParams } from './random-forest.js';
import { crossValidatedAccuracy, loadServicePlans } from './service-plans.fixture.js';

const defaults: RandomForestParams = { numTrees: 31, maxDepth: 4, featureSubsetStrategy: 'auto', minInstancesPerNode: 1, seed: 7 };

function depth(tree: { feature: number[]; left: number[]; right: number[] }, node = 0): number {
  return tree.feature[node] === -1 ? 0 : 1 + Math.max(depth(tree, tree.left[node]), depth(tree, tree.right[node]));
}

describe('random forest on the service-plan data', () => {
  const { features, labels } = loadServicePlans();

  it('reaches high 5-fold cross-validated accuracy', () => {
    const accuracy = crossValidatedAccuracy(features, labels, 5, (x, y) => {
      const model = trainRandomForest(x, y, defaults);
      return (row) => predictClass(model, row);
    });
    expect(features.length).toBeGreaterThan(200);
    expect(accuracy).toBeGreaterThan(0.85);
  });

  it('puts a light user on the basic plan 0 and heavy data users on a data plan', () => {
    const model = trainRandomForest(features, labels, defaults);
    expect(predictClass(model, [12, 0, 4])).toBe(0);
    expect(predictClass(model, [90, 700, 100])).toBe(2);
    const probabilities = predictProbabilities(model, [12, 0, 4]);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('never grows trees deeper than maxDepth', () => {
    const model = trainRandomForest(features, labels, { ...defaults, maxDepth: 3 });
    expect(Math.max(...model.trees.map((tree) => depth(tree)))).toBeLessThanOrEqual(3);
    expect(Math.max(...model.trees.map((tree) => depth(tree)))).toBe(3);
  });

  it('is deterministic for a seed', () => {
    expect(trainRandomForest(features, labels, defaults)).toEqual(trainRandomForest(features, labels, defaults));
    expect(trainRandomForest(features, labels, { ...defaults, seed: 8 })).not.toEqual(trainRandomForest(features, labels, defaults));
  });
});

describe('trainRandomForest', () => {
  it('finds the exact threshold of a separable feature', () => {
    const random = seededRandom(3);
    const features = Array.from({ length: 400 }, () => [random() * 100, random() * 100]);
    const labels = features.map(([, b]) => (b! > 61.5 ? 1 : 0));
    const model = trainRandomForest(features, labels, { ...defaults, numTrees: 1, maxDepth: 1 });
    expect(model.trees[0]!.feature[0]).toBe(1);
    const threshold = model.trees[0]!.threshold[0]!;
    const below = Math.max(...features.map(([, b]) => b!).filter((b) => b <= 61.5));
    const above = Math.min(...features.map(([, b]) => b!).filter((b) => b > 61.5));
    expect(threshold).toBeGreaterThanOrEqual(below);
    expect(threshold).toBeLessThan(above);
    expect(features.every((x, i) => predictClass(model, x) === labels[i])).toBe(true);
  });

  it('respects minInstancesPerNode', () => {
    const features = [[1], [2], [3], [4], [5], [6]];
    const labels = [0, 1, 0, 1, 0, 1];
    const model = trainRandomForest(features, labels, { ...defaults, numTrees: 1, maxDepth: 10, minInstancesPerNode: 3 });
    const tree = model.trees[0]!;
    expect(tree.feature.filter((f) => f !== -1)).toHaveLength(1);
    expect(tree.threshold[0]).toBe(3.5);
  });

  it('keeps arbitrary label values', () => {
    const model = trainRandomForest([[0], [1], [10], [11]], [7, 7, -2, -2], { ...defaults, numTrees: 3 });
    expect(model.classes).toEqual([-2, 7]);
    expect(predictClass(model, [0.5])).toBe(7);
  });

  it('sizes feature subsets like MLlib', () => {
    expect(featureSubsetSize('auto', 9, 1)).toBe(9);
    expect(featureSubsetSize('auto', 9, 10)).toBe(3);
    expect(featureSubsetSize('log2', 9, 10)).toBe(4);
    expect(featureSubsetSize('onethird', 9, 10)).toBe(3);
    expect(featureSubsetSize('all', 9, 10)).toBe(9);
  });

  it('rejects bad input with messages naming it', () => {
    expect(() => trainRandomForest([], [], defaults)).toThrow(/training data is empty/);
    expect(() => trainRandomForest([[1], [2, 3]], [0, 1], defaults)).toThrow(/example 1 has 2 features/);
    expect(() => trainRandomForest([[1]], [0, 1], defaults)).toThrow(/1 feature rows but 2 labels/);
    expect(() => trainRandomForest([[Number.NaN]], [0], defaults)).toThrow(/non-numeric/);
    expect(() => trainRandomForest([[1]], [0], { ...defaults, numTrees: 0 })).toThrow(/numTrees/);
    const model = trainRandomForest([[1, 2]], [0], defaults);
    expect(() => predictClass(model, [1])).toThrow(/Expected 2 features/);
  });
});
