import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { Metric } from '../engine/types.js';
import type { Storage } from '../storage/index.js';
import { instantiateEngine, settingsFromEngineParams } from './engine-definition.js';
import type { EvaluationPlan } from './evaluation-load.js';
import type { ScoredParams } from './evaluation-score.js';

/** The outcome of an evaluation, as reported on the console and stored in its evaluation instance. */
export interface EvaluationOutcome {
  scores: ScoredParams[];
  bestIndex: number;
  /** Absolute path of best.json, when written. */
  bestJsonPath: string | undefined;
}

const headerOf = (metric: Metric, fallback: string) => metric.header ?? fallback;

/**
 * best.json: the winning params set as an engine variant whose engineFactory is the evaluation (which
 * works as an engine factory), so it can be trained and deployed as it is.
 */
export async function writeBestVariant(path: string, plan: EvaluationPlan, bestIndex: number): Promise<void> {
  const bestParams = settingsFromEngineParams(plan.paramsList[bestIndex]!);
  const instantiated = instantiateEngine(plan.engine.definition, bestParams, `${plan.generatorSpec} engineParamsList[${bestIndex}]`);
  const component = (c: { name: string; params: unknown }) => ({ name: c.name, params: c.params ?? {} });
  const variant = {
    id: `${plan.evaluationSpec} ${new Date().toISOString()}`,
    description: '',
    engineFactory: plan.evaluationSpec,
    datasource: component(instantiated.datasource),
    preparator: component(instantiated.preparator),
    algorithms: instantiated.algorithms.map((algorithm) => ({ name: algorithm.name, params: algorithm.params ?? {} })),
    serving: component(instantiated.serving),
  };
  await writeFileAtomic(path, `${JSON.stringify(variant, null, 2)}\n`);
}

function metricHeaders(plan: EvaluationPlan): { metricHeader: string; otherMetricHeaders: string[] } {
  const otherMetrics = plan.evaluation.otherMetrics ?? [];
  return {
    metricHeader: headerOf(plan.evaluation.metric, 'Metric'),
    otherMetricHeaders: otherMetrics.map((other, index) => headerOf(other, `Metric ${index + 1}`)),
  };
}

/** Upstream's `MetricEvaluatorResult` summary, one string per line. */
export function summaryLines(plan: EvaluationPlan, outcome: EvaluationOutcome): string[] {
  const best = outcome.scores[outcome.bestIndex]!;
  const { metricHeader, otherMetricHeaders } = metricHeaders(plan);
  return [
    'MetricEvaluatorResult:',
    `  # engine params evaluated: ${outcome.scores.length}`,
    'Optimal Engine Params:',
    ...JSON.stringify(best.engineParams, null, 2).split('\n').map((line) => `  ${line}`),
    'Metrics:',
    `  ${metricHeader}: ${String(best.score)}`,
    ...otherMetricHeaders.map((header, index) => `  ${header}: ${String(best.otherScores[index])}`),
    ...(outcome.bestJsonPath ? ['The best variant params can be found in best.json'] : []),
  ];
}

/** The evaluation instance's `evaluatorResultsJSON` (upstream's MetricEvaluatorResult as JSON). */
function resultsJson(plan: EvaluationPlan, outcome: EvaluationOutcome) {
  const best = outcome.scores[outcome.bestIndex]!;
  return {
    bestScore: { score: best.score, otherScores: best.otherScores },
    bestEngineParams: best.engineParams,
    bestIdx: outcome.bestIndex,
    ...metricHeaders(plan),
    engineParamsScores: outcome.scores.map((entry) => [entry.engineParams, { score: entry.score, otherScores: entry.otherScores }]),
    outputPath: outcome.bestJsonPath ? 'best.json' : null,
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[char]!);

/** Marks the evaluation instance EVALCOMPLETED with its results (text, HTML and JSON). */
export async function completeEvaluationInstance(
  storage: Storage,
  evaluationInstanceId: string,
  plan: EvaluationPlan,
  outcome: EvaluationOutcome,
  lines: readonly string[],
): Promise<void> {
  const instance = await storage.evaluationInstances.get(evaluationInstanceId);
  if (!instance) return;
  const best = outcome.scores[outcome.bestIndex]!;
  await storage.evaluationInstances.update({
    ...instance,
    status: 'EVALCOMPLETED',
    endTime: new Date(),
    evaluatorResults: `Best Params Index: ${outcome.bestIndex} Score: ${String(best.score)}`,
    evaluatorResultsHTML: `<pre>${escapeHtml(lines.join('\n'))}</pre>`,
    evaluatorResultsJSON: JSON.stringify(resultsJson(plan, outcome)),
  });
}
