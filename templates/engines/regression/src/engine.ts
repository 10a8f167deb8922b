import { defineEngine, z } from 'pio-deploy/engine';
import { LassoAlgorithm, RidgeAlgorithm } from './algorithms.js';
import { VectorDataSource } from './data-source.js';
import { AverageWithDetailsServing } from './serving.js';

/**
 * Regression engine: predicts a numeric value from a feature vector.
 * `{"vector":[75]}` → `{"prediction":85.1,"ridgePrediction":85.1,"lassoPrediction":85.1}`.
 */
export function createEngine() {
  return defineEngine({
    datasource: VectorDataSource,
    algorithms: { ridge: RidgeAlgorithm, lasso: LassoAlgorithm },
    serving: AverageWithDetailsServing,
    query: z.object({ vector: z.array(z.number()).min(1) }),
  });
}
