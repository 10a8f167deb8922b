import { defineEngine, z } from 'pio-deploy/engine';
import { NaiveBayesAlgorithm, RandomForestAlgorithm } from './algorithms.js';
import { UsageDataSource } from './data-source.js';

const usage = z.number().nonnegative();

/**
 * Classification engine: predicts a user's service plan from voice, data and text usage.
 * `{"voice_usage":12,"data_usage":0,"text_usage":4}` → `{"service_plan":0}`.
 */
export function createEngine() {
  return defineEngine({
    datasource: UsageDataSource,
    algorithms: { randomforest: RandomForestAlgorithm, naivebayes: NaiveBayesAlgorithm },
    query: z.object({ voice_usage: usage, data_usage: usage, text_usage: usage }),
  });
}
