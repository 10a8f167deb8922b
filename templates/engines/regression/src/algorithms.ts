import { z, type Algorithm, type EngineContext } from 'pio-deploy/engine';
import type { Query, TrainingData } from './data-source.js';
import { predictLinear, trainLasso, trainRidge, type LinearModel } from './linear.js';

/** One algorithm's answer; `Serving` combines them. */
export interface AlgorithmPrediction {
  /** Algorithm kind, e.g. `ridge`; becomes the `<kind>Prediction` member of the response. */
  kind: string;
  prediction: number;
}

function requireData(data: TrainingData): void {
  if (data.labels.length === 0) {
    throw new Error('No training entities with all feature and label properties: import the training events first.');
  }
}

export const ridgeParams = z.object({
  /** L2 penalty; 0 = ordinary least squares. */
  regParam: z.number().nonnegative().default(0.1),
});

export class RidgeAlgorithm implements Algorithm<TrainingData, LinearModel, Query, AlgorithmPrediction> {
  static params = ridgeParams;

  constructor(readonly params: z.infer<typeof ridgeParams>) {}

  train(ctx: EngineContext, data: TrainingData): LinearModel {
    requireData(data);
    const model = trainRidge(data.vectors, data.labels, this.params);
    ctx.log.info(`Ridge regression: intercept ${model.intercept}, weights [${model.weights.join(', ')}].`);
    return model;
  }

  predict(model: LinearModel, query: Query): AlgorithmPrediction {
    return { kind: 'ridge', prediction: predictLinear(model, query.vector) };
  }
}

export const lassoParams = z.object({
  /** L1 penalty: larger values set more weights to exactly 0. */
  regParam: z.number().nonnegative().default(0.1),
  maxIterations: z.number().int().positive().default(1000),
  tolerance: z.number().nonnegative().default(1e-9),
});

export class LassoAlgorithm implements Algorithm<TrainingData, LinearModel, Query, AlgorithmPrediction> {
  static params = lassoParams;

  constructor(readonly params: z.infer<typeof lassoParams>) {}

  train(ctx: EngineContext, data: TrainingData): LinearModel {
    requireData(data);
    const model = trainLasso(data.vectors, data.labels, this.params);
    ctx.log.info(`Lasso regression: intercept ${model.intercept}, weights [${model.weights.join(', ')}].`);
    return model;
  }

  predict(model: LinearModel, query: Query): AlgorithmPrediction {
    return { kind: 'lasso', prediction: predictLinear(model, query.vector) };
  }
}
