import { resolve } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { EngineParams, Metric } from '../engine/types.js';
import type { Storage } from '../storage/index.js';
import { createEngineContext, engineLogger, pioEnvironment, type ConsoleLines } from './context.js';
import { predictBatch, readAndPrepare, trainAlgorithms } from './dase-pipeline.js';
import {
  engineParamsJson,
  instantiateEngine,
  isEvaluation,
  resolveEngineFactory,
  settingsFromEngineParams,
} from './engine-definition.js';
import { loadEngineModule, parseModuleReference, pickExport } from './engine-module.js';
import { locateEngine } from './engine-variant.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import { createEventStore } from './event-store.js';

export interface EvalOptions {
  engineDir?: string | undefined;
  /** `src/evaluation.ts#accuracy`. */
  evaluation: string;
  /** `src/evaluation.ts#paramsList`; default: the evaluation's own `engineParamsList`. */
  generator?: string | undefined;
  batch?: string | undefined;
}

export interface EvalResult {
  evaluationInstanceId: string;
  bestIndex: number;
  bestScore: unknown;
  bestJsonPath?: string | undefined;
}

function defaultCompare(a: unknown, b: unknown): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x - y;
}

const headerOf = (metric: Metric, fallback: string) => metric.header ?? fallback;

/** `MetricScores(<score>,List(<others>))` as upstream logs each iteration. */
const metricScores = (score: unknown, others: unknown[]) => `MetricScores(${String(score)},List(${others.map(String).join(', ')}))`;

/**
 * `pio eval <evaluation> [<generator>]` (spec §5.9, §8.6, §7.5): for each engine-params set, each fold of
 * the DataSource's `readEval` is prepared, trained and predicted; the metric scores the set; the first
 * maximal set wins and, for a single-metric evaluation, is written to best.json (in the working
 * directory, as upstream) as an engine variant whose engineFactory is the evaluation.
 */
export async function runEval(
  options: EvalOptions,
  io: { console: ConsoleLines; openStorage: () => Promise<Storage>; env?: NodeJS.ProcessEnv; cwd?: string; now?: () => Date },
): Promise<EvalResult> {
  const { console } = io;
  const cwd = io.cwd ?? process.cwd();
  const location = await locateEngine({ engineDir: options.engineDir }, cwd);
  const loadExport = async (spec: string, what: string) => {
    const reference = parseModuleReference(spec, what);
    const { exports } = await loadEngineModule(location.engineDir, reference, {
      onBuild: (modulePath) => console.info('Engine$', `Building ${modulePath}.`),
    });
    return pickExport(exports, reference, what);
  };

  const evaluation = await loadExport(options.evaluation, 'evaluation');
  if (!isEvaluation(evaluation)) {
    throw new EngineWorkflowError(`${options.evaluation} is not an evaluation: export {engineFactory, metric, otherMetrics?, engineParamsList?}.`);
  }
  const generatorSpec = options.generator ?? options.evaluation;
  const generator = options.generator ? await loadExport(options.generator, 'engine params generator') : evaluation;
  const paramsList = (generator as { engineParamsList?: unknown }).engineParamsList;
  if (!Array.isArray(paramsList) || paramsList.length === 0) {
    throw new EngineWorkflowError(`${generatorSpec} has no engineParamsList: export {engineParamsList: [engine params, …]}.`);
  }
  const engine = await resolveEngineFactory(evaluation.engineFactory, options.evaluation);
  const metric = evaluation.metric;
  const otherMetrics = evaluation.otherMetrics ?? [];
  const compare = (a: unknown, b: unknown) => (metric.compare ? metric.compare(a as number, b as number) : defaultCompare(a, b));

  const storage = await io.openStorage();
  try {
    const started = (io.now ?? (() => new Date()))();
    const evaluationInstanceId = await storage.evaluationInstances.insert({
      status: '',
      startTime: started,
      endTime: started,
      evaluationClass: options.evaluation,
      engineParamsGeneratorClass: generatorSpec,
      batch: options.batch ?? '',
      env: pioEnvironment(io.env ?? process.env),
      sparkConf: { 'spark.executor.extraClassPath': '.' },
      evaluatorResults: '',
      evaluatorResultsHTML: '',
      evaluatorResultsJSON: '',
    });
    const ctx = createEngineContext({
      events: createEventStore(storage),
      log: engineLogger(console),
      mode: 'eval',
      workflow: { batch: options.batch ?? '' },
    });

    const scores: Array<{ engineParams: ReturnType<typeof engineParamsJson>; score: unknown; otherScores: unknown[] }> = [];
    for (const [index, engineParams] of (paramsList as EngineParams[]).entries()) {
      const components = instantiateEngine(engine.definition, settingsFromEngineParams(engineParams), `${generatorSpec} engineParamsList[${index}]`);
      const paramsJson = engineParamsJson(components);
      console.info('MetricEvaluator', `Iteration ${index}`);
      console.info('MetricEvaluator', `EngineParams: ${JSON.stringify(paramsJson)}`);
      const readEval = components.datasource.instance.readEval;
      const folds = readEval ? await readEval.call(components.datasource.instance, ctx) : [];
      const dataSet: Array<[unknown, Array<[unknown, unknown, unknown]>]> = [];
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
      scores.push({ engineParams: paramsJson, score, otherScores });
    }

    let bestIndex = 0;
    for (let index = 1; index < scores.length; index++) {
      if (compare(scores[index]!.score, scores[bestIndex]!.score) > 0) bestIndex = index;
    }
    const best = scores[bestIndex]!;
    const metricHeader = headerOf(metric, 'Metric');
    const otherMetricHeaders = otherMetrics.map((other, index) => headerOf(other, `Metric ${index + 1}`));

    let bestJsonPath: string | undefined;
    if (otherMetrics.length === 0) {
      bestJsonPath = resolve(cwd, 'best.json');
      const bestParams = settingsFromEngineParams((paramsList as EngineParams[])[bestIndex]!);
      const instantiated = instantiateEngine(engine.definition, bestParams, `${generatorSpec} engineParamsList[${bestIndex}]`);
      const component = (c: { name: string; params: unknown }) => ({ name: c.name, params: c.params ?? {} });
      const variant = {
        id: `${options.evaluation} ${new Date().toISOString()}`,
        description: '',
        engineFactory: options.evaluation,
        datasource: component(instantiated.datasource),
        preparator: component(instantiated.preparator),
        algorithms: instantiated.algorithms.map((algorithm) => ({ name: algorithm.name, params: algorithm.params ?? {} })),
        serving: component(instantiated.serving),
      };
      await writeFileAtomic(bestJsonPath, `${JSON.stringify(variant, null, 2)}\n`);
    }

    const lines = [
      'MetricEvaluatorResult:',
      `  # engine params evaluated: ${scores.length}`,
      'Optimal Engine Params:',
      ...JSON.stringify(best.engineParams, null, 2).split('\n').map((line) => `  ${line}`),
      'Metrics:',
      `  ${metricHeader}: ${String(best.score)}`,
      ...otherMetricHeaders.map((header, index) => `  ${header}: ${String(best.otherScores[index])}`),
      ...(bestJsonPath ? ['The best variant params can be found in best.json'] : []),
    ];
    console.info('CoreWorkflow$', lines.join('\n'));

    const resultJson = {
      bestScore: { score: best.score, otherScores: best.otherScores },
      bestEngineParams: best.engineParams,
      bestIdx: bestIndex,
      metricHeader,
      otherMetricHeaders,
      engineParamsScores: scores.map((entry) => [entry.engineParams, { score: entry.score, otherScores: entry.otherScores }]),
      outputPath: bestJsonPath ? 'best.json' : null,
    };
    const instance = await storage.evaluationInstances.get(evaluationInstanceId);
    if (instance) {
      await storage.evaluationInstances.update({
        ...instance,
        status: 'EVALCOMPLETED',
        endTime: new Date(),
        evaluatorResults: `Best Params Index: ${bestIndex} Score: ${String(best.score)}`,
        evaluatorResultsHTML: `<pre>${lines.join('\n').replace(/[&<>]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[char]!)}</pre>`,
        evaluatorResultsJSON: JSON.stringify(resultJson),
      });
    }
    console.info('CoreWorkflow$', 'Evaluation completed successfully.');
    return { evaluationInstanceId, bestIndex, bestScore: best.score, bestJsonPath };
  } finally {
    await storage.close();
  }
}
