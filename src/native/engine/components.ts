import type {
  Algorithm,
  DataSource,
  EngineDefinition,
  Evaluation,
  EngineParamsGenerator,
  Preparator,
  Schema,
  Serving,
} from './types.js';

/** Identity preparator (upstream `IdentityPreparator`): prepared data = training data. */
export const identityPreparator = {
  create: (): Preparator<unknown, unknown> => ({ prepare: (_ctx, trainingData) => trainingData }),
};

/** Upstream `FirstServing`: the first algorithm's prediction. */
export const firstServing = {
  create: (): Serving<unknown, unknown> => ({
    serve: (_query, predictions) => {
      if (predictions.length === 0) throw new Error('FirstServing: no predictions to serve');
      return predictions[0];
    },
  }),
};

/** Upstream `AverageServing`: the arithmetic mean of numeric predictions. */
export const averageServing = {
  create: (): Serving<unknown, number> => ({
    serve: (_query, predictions) => {
      if (predictions.length === 0) throw new Error('AverageServing: no predictions to serve');
      let sum = 0;
      for (const prediction of predictions) {
        if (typeof prediction !== 'number') throw new Error('AverageServing: predictions must be numbers');
        sum += prediction;
      }
      return sum / predictions.length;
    },
  }),
};

/**
 * Builds a component as a plain object with a typed params schema, e.g.
 * `defineComponent(z.object({ k: z.number() }), (params) => new KnnAlgorithm(params))`.
 */
export function defineComponent<P, T>(params: Schema<P>, create: (params: P) => T): { params: Schema<P>; create: (params: P) => T } {
  return { params, create };
}

/** Typing aid for an engine factory's return value (no runtime effect). */
export function defineEngine<D extends EngineDefinition>(definition: D): D {
  return definition;
}

/** Typing aid for evaluations (no runtime effect). */
export function defineEvaluation<E extends Evaluation>(evaluation: E): E {
  return evaluation;
}

/** Typing aid for engine-params generators (no runtime effect). */
export function defineEngineParamsGenerator<G extends EngineParamsGenerator>(generator: G): G {
  return generator;
}

export type { Algorithm, DataSource, Preparator, Serving };
