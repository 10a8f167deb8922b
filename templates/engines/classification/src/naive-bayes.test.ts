import { describe, expect, it } from 'vitest';
import { logLikelihoods, predictNaiveBayes, trainNaiveBayes } from './naive-bayes.js';
import { crossValidatedAccuracy, loadServicePlans } from './service-plans.fixture.js';

describe('Gaussian naive Bayes', () => {
  it('reaches good 5-fold cross-validated accuracy on the service-plan data', () => {
    const { features, labels } = loadServicePlans();
    const accuracy = crossValidatedAccuracy(features, labels, 5, (x, y) => {
      const model = trainNaiveBayes(x, y, { varianceSmoothing: 1e-9 });
      return (row) => predictNaiveBayes(model, row);
    });
    expect(accuracy).toBeGreaterThan(0.8);
  });

  it('computes the textbook log likelihood', () => {
    // Class 0: x ~ N(1, 1) (values 0, 2), class 1: x ~ N(10, 4) (values 8, 12); equal priors.
    const model = trainNaiveBayes([[0], [2], [8], [12]], [0, 0, 1, 1], { varianceSmoothing: 0 });
    expect(model.means).toEqual([[1], [10]]);
    expect(model.variances).toEqual([[1], [4]]);
    const [l0, l1] = logLikelihoods(model, [3]);
    expect(l0).toBeCloseTo(Math.log(0.5) - 0.5 * Math.log(2 * Math.PI) - 2, 12);
    expect(l1).toBeCloseTo(Math.log(0.5) - 0.5 * Math.log(2 * Math.PI * 4) - 49 / 8, 12);
    expect(predictNaiveBayes(model, [3])).toBe(0);
    expect(predictNaiveBayes(model, [7])).toBe(1);
  });

  it('uses every feature and stays defined for constant features and far-away queries', () => {
    // The third feature alone separates the classes; the second is constant within each class.
    const features = [
      [1, 0, 0],
      [2, 0, 1],
      [1, 0, 100],
      [2, 0, 101],
    ];
    const model = trainNaiveBayes(features, [0, 0, 1, 1], { varianceSmoothing: 1e-9 });
    expect(predictNaiveBayes(model, [1.5, 0, 0.5])).toBe(0);
    expect(predictNaiveBayes(model, [1.5, 0, 100.5])).toBe(1);
    expect([0, 1]).toContain(predictNaiveBayes(model, [1e6, 1e6, 1e6]));
    expect(logLikelihoods(model, [1e6, 1e6, 1e6]).every(Number.isFinite)).toBe(true);
  });

  it('rejects bad input', () => {
    expect(() => trainNaiveBayes([], [], { varianceSmoothing: 1e-9 })).toThrow(/training data is empty/);
    expect(() => trainNaiveBayes([[1]], [0], { varianceSmoothing: -1 })).toThrow(/varianceSmoothing/);
    const model = trainNaiveBayes([[1, 2]], [0], { varianceSmoothing: 1e-9 });
    expect(() => predictNaiveBayes(model, [1])).toThrow(/Expected 2 features/);
  });
});
