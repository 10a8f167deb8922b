import type { Serving } from 'pio-deploy/engine';
import type { AlgorithmPrediction } from './algorithms.js';
import type { Query } from './data-source.js';

/** The response: the mean of all algorithms as `prediction`, plus each kind's own `<kind>Prediction`. */
export type PredictedResult = { prediction: number } & Record<string, number>;

/** Averages the algorithms' predictions, keeping each one visible (kinds configured twice are averaged). */
export class AverageWithDetailsServing implements Serving<Query, AlgorithmPrediction | PredictedResult> {
  serve(_query: Query, predictions: Array<AlgorithmPrediction | PredictedResult>): PredictedResult {
    const parts = predictions as AlgorithmPrediction[];
    if (parts.length === 0) throw new Error('No algorithm predictions to serve: engine.json must list at least one algorithm.');
    const byKind = new Map<string, number[]>();
    for (const { kind, prediction } of parts) byKind.set(kind, [...(byKind.get(kind) ?? []), prediction]);
    const result: PredictedResult = { prediction: mean(parts.map((p) => p.prediction)) };
    for (const [kind, values] of byKind) result[`${kind}Prediction`] = mean(values);
    return result;
  }
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
