import { averageMetric, defineEngineParamsGenerator, defineEvaluation, type EngineParams } from 'pio-deploy/engine';
import type { PredictedResult } from './algorithms.js';
import type { ActualResult, Query } from './data-source.js';
import { createEngine } from './engine.js';

/** Share of held-out users whose plan is predicted exactly. */
export const accuracy = averageMetric<null, Query, PredictedResult, ActualResult>('Accuracy', (_query, predicted, actual) =>
  predicted.service_plan === actual.service_plan ? 1 : 0,
);

/** `pio eval src/evaluation.ts#accuracyEvaluation src/evaluation.ts#engineParamsList` */
export const accuracyEvaluation = defineEvaluation({ engineFactory: createEngine, metric: accuracy });

const evalDataSource = { params: { evalK: 5 } };

export const engineParamsList = defineEngineParamsGenerator({
  engineParamsList: [
    ...[2, 4, 8].map(
      (maxDepth): EngineParams => ({
        datasource: evalDataSource,
        algorithms: [{ name: 'randomforest', params: { numTrees: 31, maxDepth, featureSubsetStrategy: 'auto', seed: 3 } }],
      }),
    ),
    { datasource: evalDataSource, algorithms: [{ name: 'naivebayes', params: {} }] },
  ],
});
