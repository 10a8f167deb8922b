import type { EngineContext, Metric } from '../engine/types.js';
import type { ConsoleLines } from './context.js';
import { predictBatch, readAndPrepare, trainAlgorithms } from './dase-pipeline.js';
import { engineParamsJson, instantiateEngine, settingsFromEngineParams, type EngineComponents } from './engine-definition.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import type { EvaluationPlan } from './evaluation-load.js';

/** One engine-params set with its scores: the metric's and each other metric's, in order. */
export interface ScoredParams {
  engineParams: ReturnType<typeof engineParamsJson>;
  score: unknown;
  otherScores: unknown[];
}

type EvalDataSet = Array<[unknown, Array<[unknown, unknown, unknown]>]>;

/** `MetricScores(<score>,List(<others>))` as upstream logs each iteration. */
const metricScores = (score: unknown, others: unknown[]) => `MetricScores(${String(score)},List(${others.map(String).join(', ')}))`;

/** Scores the plan's params set `index` (one iteration of upstream's MetricEvaluator), logging as upstream. */
export async function scoreEngineParams(plan: EvaluationPlan, index: number, ctx: EngineContext, console: ConsoleLines): Promise<ScoredParams> {
  const { metric, otherMetrics = [] } = plan.evaluation;
  const settings = settingsFromEngineParams(plan.paramsList[index]!);
  const components = instantiateEngine(plan.engine.definition, settings, `${plan.generatorSpec} engineParamsList[${index}]`);
  const paramsJson = engineParamsJson(components);
  console.info('MetricEvaluator', `Iteration ${index}`);
  console.info('MetricEvaluator', `EngineParams: ${JSON.stringify(paramsJson)}`);
  const dataSet = await evalDataSet(components, ctx);
  let score: unknown;
  let otherScores: unknown[];
  try {
    score = await metric.calculate(dataSet);
    // Each element is a number or a promise of one (MaybePromise): the rule's check of promise
    // aggregators takes such a union for a plain value.
    // eslint-disable-next-line @typescript-eslint/await-thenable
    otherScores = await Promise.all(otherMetrics.map((other) => other.calculate(dataSet)));
  } catch (error) {
    throw new EngineWorkflowError(`Metric calculation failed: ${errorMessage(error)}`, { logger: 'MetricEvaluator', cause: error });
  }
  console.info('MetricEvaluator', `Result: ${metricScores(score, otherScores)}`);
  return { engineParams: paramsJson, score, otherScores };
}

/** Per fold of the DataSource's `readEval`: prepare and train on its training data, predict its queries. */
async function evalDataSet(components: EngineComponents, ctx: EngineContext): Promise<EvalDataSet> {
  const readEval = components.datasource.instance.readEval;
  const folds = readEval ? await readEval.call(components.datasource.instance, ctx) : [];
  const dataSet: EvalDataSet = [];
  for (const [trainingData, evalInfo, queryActuals] of folds) {
    const prepared = await readAndPrepare(
      { ...components, datasource: { ...components.datasource, instance: { readTraining: () => trainingData } } },
      ctx,
    );
    if ('interrupted' in prepared) throw new EngineWorkflowError('Evaluation was interrupted.');
    const models = await trainAlgorithms(components.algorithms.map((a) => a.instance), prepared.preparedData, ctx);
    const queries = queryActuals.map(([query]) => query);
    const predictions = await predictBatch(components, models, queries, ctx);
    dataSet.push([evalInfo, queryActuals.map(([query, actual], position) => [query, predictions[position], actual])]);
  }
  return dataSet;
}

function defaultCompare(a: unknown, b: unknown): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x - y;
}

/** The first params set with the highest score by the metric's ordering (default: numeric). */
export function bestIndexOf(scores: readonly ScoredParams[], metric: Metric): number {
  const compare = (a: unknown, b: unknown) => (metric.compare ? metric.compare(a as number, b as number) : defaultCompare(a, b));
  let bestIndex = 0;
  for (let index = 1; index < scores.length; index++) {
    if (compare(scores[index]!.score, scores[bestIndex]!.score) > 0) bestIndex = index;
  }
  return bestIndex;
}
