import { resolve } from 'node:path';
import type { Storage } from '../storage/index.js';
import { createEngineContext, engineLogger, pioEnvironment, type ConsoleLines } from './context.js';
import { locateEngine } from './engine-variant.js';
import { loadEvaluationPlan, type EvaluationPlan } from './evaluation-load.js';
import { completeEvaluationInstance, summaryLines, writeBestVariant, type EvaluationOutcome } from './evaluation-report.js';
import { bestIndexOf, scoreEngineParams, type ScoredParams } from './evaluation-score.js';
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

interface EvalIo {
  console: ConsoleLines;
  openStorage: () => Promise<Storage>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: () => Date;
}

/**
 * `pio eval <evaluation> [<generator>]` (BEHAVIOUR.md#pio-eval, BEHAVIOUR.md#evaluation, BEHAVIOUR.md#evaluation-output): for each engine-params set, each fold of
 * the DataSource's `readEval` is prepared, trained and predicted; the metric scores the set; the first
 * maximal set wins and, for a single-metric evaluation, is written to best.json (in the working
 * directory, as upstream) as an engine variant whose engineFactory is the evaluation.
 */
export async function runEval(options: EvalOptions, io: EvalIo): Promise<EvalResult> {
  const { console } = io;
  const cwd = io.cwd ?? process.cwd();
  const location = await locateEngine({ engineDir: options.engineDir }, cwd);
  const plan = await loadEvaluationPlan(options, location.engineDir, console);

  const storage = await io.openStorage();
  try {
    const evaluationInstanceId = await startEvaluationInstance(storage, plan, options, io);
    const ctx = createEngineContext({
      events: createEventStore(storage),
      log: engineLogger(console),
      mode: 'eval',
      workflow: { batch: options.batch ?? '' },
    });
    const scores: ScoredParams[] = [];
    for (const index of plan.paramsList.keys()) scores.push(await scoreEngineParams(plan, index, ctx, console));

    const bestIndex = bestIndexOf(scores, plan.evaluation.metric);
    // Only a single-metric evaluation names a best variant (upstream's engineMetric, not engineMetrics).
    const bestJsonPath = (plan.evaluation.otherMetrics ?? []).length === 0 ? resolve(cwd, 'best.json') : undefined;
    if (bestJsonPath) await writeBestVariant(bestJsonPath, plan, bestIndex);
    const outcome: EvaluationOutcome = { scores, bestIndex, bestJsonPath };

    const lines = summaryLines(plan, outcome);
    console.info('CoreWorkflow$', lines.join('\n'));
    await completeEvaluationInstance(storage, evaluationInstanceId, plan, outcome, lines);
    console.info('CoreWorkflow$', 'Evaluation completed successfully.');
    return { evaluationInstanceId, bestIndex, bestScore: scores[bestIndex]!.score, bestJsonPath };
  } finally {
    await storage.close();
  }
}

/** Inserts the running evaluation's instance (status `''` until it completes); returns its id. */
async function startEvaluationInstance(storage: Storage, plan: EvaluationPlan, options: EvalOptions, io: EvalIo): Promise<string> {
  const started = (io.now ?? (() => new Date()))();
  return storage.evaluationInstances.insert({
    status: '',
    startTime: started,
    endTime: started,
    evaluationClass: options.evaluation,
    engineParamsGeneratorClass: plan.generatorSpec,
    batch: options.batch ?? '',
    env: pioEnvironment(io.env ?? process.env),
    sparkConf: { 'spark.executor.extraClassPath': '.' },
    evaluatorResults: '',
    evaluatorResultsHTML: '',
    evaluatorResultsJSON: '',
  });
}
