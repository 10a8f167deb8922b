import { defineEngineParamsGenerator, defineEvaluation, optionAverageMetric, type EngineParams } from 'pio-deploy/engine';
import type { PredictedResult } from './als-algorithm.js';
import type { ActualResult, Query } from './data-source.js';
import { createEngine } from './engine.js';

/**
 * Share of the top-k recommendations the user actually rated at least `threshold` in the
 * held-out fold (out of min(k, number of such ratings)); undefined when the user has none.
 */
export function precisionAtK(k: number, threshold: number) {
  return optionAverageMetric<null, Query, PredictedResult, ActualResult>(
    `Precision@K (k=${k}, threshold=${threshold})`,
    (_query, predicted, actual) => {
      const positives = new Set(actual.ratings.filter((r) => r.rating >= threshold).map((r) => r.item));
      if (positives.size === 0) return undefined;
      const hits = predicted.itemScores.slice(0, k).filter((s) => positives.has(s.item)).length;
      return hits / Math.min(k, positives.size);
    },
  );
}

/** `pio eval src/evaluation.ts#recommendationEvaluation src/evaluation.ts#engineParamsList` */
export const recommendationEvaluation = defineEvaluation({
  engineFactory: createEngine,
  metric: precisionAtK(10, 4),
  otherMetrics: [precisionAtK(10, 2), precisionAtK(10, 1)],
});

const evalDataSource = { params: { evalParams: { kFold: 5, queryNum: 10 } } };

export const engineParamsList = defineEngineParamsGenerator({
  engineParamsList: [5, 10, 20].flatMap((rank) =>
    [0.01, 0.1].map(
      (lambda): EngineParams => ({
        datasource: evalDataSource,
        algorithms: [{ name: 'als', params: { rank, numIterations: 10, lambda, seed: 3 } }],
      }),
    ),
  ),
});
