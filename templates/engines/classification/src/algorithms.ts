import { z, type Algorithm, type EngineContext } from 'pio-deploy/engine';
import type { Query, TrainingData } from './data-source.js';
import { toFeatures } from './data-source.js';
import { predictNaiveBayes, trainNaiveBayes, type NaiveBayesModel } from './naive-bayes.js';
import { predictClass, trainRandomForest, type RandomForestModel } from './random-forest.js';

export interface PredictedResult {
  service_plan: number;
}

function requireData(data: TrainingData): void {
  if (data.points.length === 0) {
    throw new Error('No users with voice_usage, data_usage, text_usage and service_plan: import the training events first.');
  }
}

export const randomForestParams = z.object({
  /** Upper bound on labels (labels must be 0 … numClasses-1), as MLlib checks. */
  numClasses: z.number().int().positive().optional(),
  numTrees: z.number().int().positive().default(10),
  featureSubsetStrategy: z.enum(['auto', 'all', 'sqrt', 'log2', 'onethird']).default('auto'),
  impurity: z.literal('gini').default('gini'),
  maxDepth: z.number().int().nonnegative().default(5),
  /** Accepted for MLlib compatibility; splits are searched exactly over sorted values, so no binning. */
  maxBins: z.number().int().positive().optional(),
  minInstancesPerNode: z.number().int().positive().default(1),
  seed: z.number().int().default(3),
});
export type RandomForestAlgorithmParams = z.infer<typeof randomForestParams>;

export class RandomForestAlgorithm implements Algorithm<TrainingData, RandomForestModel, Query, PredictedResult> {
  static params = randomForestParams;

  constructor(readonly params: RandomForestAlgorithmParams) {}

  train(ctx: EngineContext, data: TrainingData): RandomForestModel {
    requireData(data);
    const { numClasses } = this.params;
    if (numClasses !== undefined) {
      const bad = data.points.find((p) => !Number.isInteger(p.label) || p.label < 0 || p.label >= numClasses);
      if (bad) throw new Error(`service_plan ${bad.label} is outside 0…${numClasses - 1}: raise numClasses in engine.json.`);
    }
    const model = trainRandomForest(
      data.points.map((p) => p.features),
      data.points.map((p) => p.label),
      this.params,
    );
    ctx.log.info(`Trained ${model.trees.length} trees on ${data.points.length} users, ${model.classes.length} plans.`);
    return model;
  }

  predict(model: RandomForestModel, query: Query): PredictedResult {
    return { service_plan: predictClass(model, toFeatures(query)) };
  }
}

export const naiveBayesParams = z.object({
  /** Fraction of the largest feature variance added to all variances (keeps constant features usable). */
  varianceSmoothing: z.number().nonnegative().default(1e-9),
});
export type NaiveBayesAlgorithmParams = z.infer<typeof naiveBayesParams>;

export class NaiveBayesAlgorithm implements Algorithm<TrainingData, NaiveBayesModel, Query, PredictedResult> {
  static params = naiveBayesParams;

  constructor(readonly params: NaiveBayesAlgorithmParams) {}

  train(_ctx: EngineContext, data: TrainingData): NaiveBayesModel {
    requireData(data);
    return trainNaiveBayes(
      data.points.map((p) => p.features),
      data.points.map((p) => p.label),
      this.params,
    );
  }

  predict(model: NaiveBayesModel, query: Query): PredictedResult {
    return { service_plan: predictNaiveBayes(model, toFeatures(query)) };
  }
}
