import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { predictLinear, trainLasso, trainRidge } from './linear.js';

// The template's sample data: a copy of the shared regression data set (aptitude → overall grade).
const students = readFileSync(new URL('../data/initial-events.json', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { properties: Record<string, number> }).properties);
const features = students.map((p) => [p['aptitude-grade']!]);
const targets = students.map((p) => p['overall-grade']!);
const lasso = { regParam: 0.5, maxIterations: 1000, tolerance: 1e-10 };

describe('linear regression on the grades data', () => {
  it('predicts left-out students far better than the mean (leave-one-out)', () => {
    let ridgeError = 0;
    let lassoError = 0;
    let meanError = 0;
    for (let i = 0; i < features.length; i++) {
      const x = features.filter((_, j) => j !== i);
      const y = targets.filter((_, j) => j !== i);
      ridgeError += (predictLinear(trainRidge(x, y, { regParam: 1 }), features[i]!) - targets[i]!) ** 2;
      lassoError += (predictLinear(trainLasso(x, y, lasso), features[i]!) - targets[i]!) ** 2;
      meanError += (y.reduce((a, b) => a + b, 0) / y.length - targets[i]!) ** 2;
    }
    expect(features.length).toBeGreaterThanOrEqual(12);
    expect(ridgeError).toBeLessThan(0.25 * meanError);
    expect(lassoError).toBeLessThan(0.25 * meanError);
  });

  it('answers the README query {"vector":[75]} within the observed grade range', () => {
    const prediction = predictLinear(trainRidge(features, targets, { regParam: 1 }), [75]);
    expect(prediction).toBeGreaterThan(80);
    expect(prediction).toBeLessThan(92);
  });
});

describe('trainRidge', () => {
  it('is ordinary least squares at regParam 0 (exact line)', () => {
    const x = [[0, 1], [1, 0], [2, 2], [3, 1], [5, 4]];
    const model = trainRidge(x, x.map(([a, b]) => 1 + 3 * a! + 2 * b!), { regParam: 0 });
    expect(model.weights[0]).toBeCloseTo(3, 9);
    expect(model.weights[1]).toBeCloseTo(2, 9);
    expect(model.intercept).toBeCloseTo(1, 9);
  });

  it('gives the minimum-norm answer for duplicated features at regParam 0', () => {
    const model = trainRidge([[1, 1], [2, 2], [3, 3]], [2, 4, 6], { regParam: 0 });
    expect(model.weights[0]).toBeCloseTo(1, 9);
    expect(model.weights[1]).toBeCloseTo(1, 9);
  });

  it('shrinks weights as regParam grows, never the intercept towards 0', () => {
    const slopes = [0, 1, 10, 100].map((regParam) => trainRidge(features, targets, { regParam }).weights[0]!);
    for (let k = 1; k < slopes.length; k++) expect(Math.abs(slopes[k]!)).toBeLessThan(Math.abs(slopes[k - 1]!));
    const heavilyRegularised = trainRidge(features, targets, { regParam: 1e9 });
    expect(heavilyRegularised.intercept).toBeCloseTo(targets.reduce((a, b) => a + b, 0) / targets.length, 3);
  });
});

describe('trainLasso', () => {
  it('drops an irrelevant feature to exactly zero and keeps the relevant one', () => {
    const x = Array.from({ length: 40 }, (_, i) => [i, Math.sin(i * 12.9898) * 3]);
    const y = x.map(([a]) => 5 + 2 * a!);
    const model = trainLasso(x, y, { regParam: 0.5, maxIterations: 1000, tolerance: 1e-12 });
    expect(model.weights[1]).toBe(0);
    expect(model.weights[0]).toBeGreaterThan(1.9);
    expect(model.weights[0]).toBeLessThan(2);
  });

  it('matches least squares at regParam 0', () => {
    const ols = trainRidge(features, targets, { regParam: 0 });
    const model = trainLasso(features, targets, { regParam: 0, maxIterations: 1000, tolerance: 1e-12 });
    expect(model.weights[0]).toBeCloseTo(ols.weights[0]!, 9);
    expect(model.intercept).toBeCloseTo(ols.intercept, 6);
  });
});

describe('input validation', () => {
  it('names the problem', () => {
    expect(() => trainRidge([], [], { regParam: 1 })).toThrow(/training data is empty/);
    expect(() => trainRidge([[1]], [1, 2], { regParam: 1 })).toThrow(/1 feature vectors but 2 targets/);
    expect(() => trainRidge([[1], [1, 2]], [1, 2], { regParam: 1 })).toThrow(/vector 1 has 2 features/);
    expect(() => trainRidge([[1]], [1], { regParam: -1 })).toThrow(/regParam/);
    expect(() => trainLasso([[1]], [1], { regParam: 1, maxIterations: 0, tolerance: 0 })).toThrow(/maxIterations/);
    expect(() => predictLinear({ intercept: 0, weights: [1, 2] }, [1])).toThrow(/vector of 2 features/);
  });
});
