import { averageMetric, defineEngineParamsGenerator, defineEvaluation, type EngineParams } from 'pio-deploy/engine';
import type { ActualResult, Query } from './data-source.js';
import { createEngine } from './engine.js';
import type { PredictedResult } from './serving.js';

/**
 * Negated mean squared error of the served `prediction` (the engine framework ranks higher
 * scores as better, so the best params have the smallest error).
 */
export const negativeMeanSquaredError = averageMetric<null, Query, PredictedResult, ActualResult>(
  'Negative mean squared error',
  (_query, predicted, actual) => -((predicted.prediction - actual.label) ** 2),
);

/** `pio eval src/evaluation.ts#regressionEvaluation src/evaluation.ts#engineParamsList` */
export const regressionEvaluation = defineEvaluation({ engineFactory: createEngine, metric: negativeMeanSquaredError });

const evalDataSource = { params: { evalK: 4 } };

export const engineParamsList = defineEngineParamsGenerator({
  engineParamsList: [0, 0.1, 1, 10].flatMap((regParam): EngineParams[] => [
    { datasource: evalDataSource, algorithms: [{ name: 'ridge', params: { regParam } }] },
    { datasource: evalDataSource, algorithms: [{ name: 'lasso', params: { regParam } }] },
  ]),
});
