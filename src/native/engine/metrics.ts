import type { EvalDataSet, Metric } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- defaults as Metric's own (types.ts): a metric built
   here must fit an engine's evaluation whatever its query, prediction and actual types. */

/**
 * The metric kinds upstream provides (BEHAVIOUR.md#evaluation). Each takes a per-(query, prediction, actual) score
 * function; the `option` kinds skip results that are `undefined`.
 */
type Score<Q, P, A, R> = (query: Q, prediction: P, actual: A) => R;

function scores<EI, Q, P, A, R>(data: EvalDataSet<EI, Q, P, A>, score: Score<Q, P, A, R>): R[] {
  const result: R[] = [];
  for (const [, triples] of data) for (const [q, p, a] of triples) result.push(score(q, p, a));
  return result;
}

function defined(values: Array<number | undefined>): number[] {
  return values.filter((value): value is number => value !== undefined);
}

function mean(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Population standard deviation, as upstream's StdevMetric. */
function stdev(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - m) ** 2)));
}

export function averageMetric<EI = any, Q = any, P = any, A = any>(
  header: string,
  score: Score<Q, P, A, number>,
): Metric<EI, Q, P, A, number> {
  return { header, calculate: (data) => mean(scores(data, score)) };
}

export function optionAverageMetric<EI = any, Q = any, P = any, A = any>(
  header: string,
  score: Score<Q, P, A, number | undefined>,
): Metric<EI, Q, P, A, number> {
  return { header, calculate: (data) => mean(defined(scores(data, score))) };
}

export function stdevMetric<EI = any, Q = any, P = any, A = any>(
  header: string,
  score: Score<Q, P, A, number>,
): Metric<EI, Q, P, A, number> {
  return { header, calculate: (data) => stdev(scores(data, score)) };
}

export function optionStdevMetric<EI = any, Q = any, P = any, A = any>(
  header: string,
  score: Score<Q, P, A, number | undefined>,
): Metric<EI, Q, P, A, number> {
  return { header, calculate: (data) => stdev(defined(scores(data, score))) };
}

export function sumMetric<EI = any, Q = any, P = any, A = any>(
  header: string,
  score: Score<Q, P, A, number>,
): Metric<EI, Q, P, A, number> {
  return { header, calculate: (data) => scores(data, score).reduce((sum, value) => sum + value, 0) };
}

export function zeroMetric(header = 'ZeroMetric'): Metric<any, any, any, any, number> {
  return { header, calculate: () => 0 };
}
