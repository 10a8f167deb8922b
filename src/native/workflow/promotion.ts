import { ENV_VARIABLES } from '../../config/env-schema.js';
import { GATE_REFUSED_EXIT_CODE, parseTrainGate, TRAIN_GATE_EXAMPLE, type TrainGate } from '../../config/train-gate.js';
import type { EngineContext, EngineParams, Metric } from '../engine/types.js';
import type { EngineInstance, Storage } from '../storage/index.js';
import type { ConsoleLines } from './context.js';
import { isEvaluation, settingsFromColumns, type EngineSettings, type ResolvedEngine } from './engine-definition.js';
import { loadEngineModule, parseModuleReference, pickExport } from './engine-module.js';
import type { EngineIdentity } from './engine-variant.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import { scoreEngineParams } from './evaluation-score.js';
import { servingTarget } from './select-instance.js';

/**
 * The promotion gate of `pio train` (PIO_TRAIN_GATE): a finished training becomes COMPLETED, and so what
 * serves, only if its engine params score no worse than the serving instance's beyond the tolerance. Both
 * are trained and scored the way `pio eval` does, on the engine's own evaluation folds (DataSource
 * `readEval`) of today's data, so the comparison is like for like. A refused training is stored with
 * status GATED: upstream's and our selection of the newest COMPLETED instance skip it, for Apache
 * PredictionIO too, and `pio-deploy models pin <id>` can still serve it.
 */

/** Status of a training the gate refused. */
export const GATED_STATUS = 'GATED';
const LOGGER = 'PromotionGate';
/** Key in the instance's env column holding the new training's gate score (upstream keeps that map as is). */
export const GATE_SCORE_ENV_KEY = 'PIO_DEPLOY_GATE_SCORE';

export interface PromotionGate {
  settings: TrainGate;
  metric: Metric;
  failRelease: boolean;
}

export type GateVerdict =
  | { promoted: true; reason: string; score?: number }
  | { promoted: false; reason: string; score: number; servingInstanceId: string };

/**
 * Reads and checks the gate before anything is written: a setting that does not parse or a metric the
 * engine lacks fails the training up front (exit 1), with the fix, and changes nothing.
 */
export async function loadPromotionGate(env: NodeJS.ProcessEnv, engineDir: string, console: ConsoleLines): Promise<PromotionGate | undefined> {
  const raw = env.PIO_TRAIN_GATE?.trim();
  if (!raw) return undefined;
  let settings: TrainGate;
  try {
    settings = parseTrainGate(raw);
  } catch (error) {
    throw new EngineWorkflowError(`PIO_TRAIN_GATE="${raw}": ${errorMessage(error)}. Set it like PIO_TRAIN_GATE="${TRAIN_GATE_EXAMPLE}", or unset it.`, {
      logger: LOGGER,
    });
  }
  let exported: unknown;
  try {
    const reference = parseModuleReference(settings.metric, 'metric');
    const { exports } = await loadEngineModule(engineDir, reference, {
      onBuild: (modulePath) => console.info('Engine$', `Building ${modulePath}.`),
    });
    exported = pickExport(exports, reference, 'metric');
  } catch (error) {
    throw new EngineWorkflowError(
      `PIO_TRAIN_GATE metric ${settings.metric}: ${errorMessage(error)} Name a Metric or an evaluation the engine exports (as for pio eval), or unset PIO_TRAIN_GATE.`,
      { logger: LOGGER, cause: error },
    );
  }
  const metric = isEvaluation(exported) ? exported.metric : exported;
  if (!isMetric(metric)) {
    throw new EngineWorkflowError(
      `PIO_TRAIN_GATE metric ${settings.metric} is neither a Metric (with calculate) nor an evaluation (with metric). Name one the engine exports, or unset PIO_TRAIN_GATE.`,
      { logger: LOGGER },
    );
  }
  const failRelease = ENV_VARIABLES.PIO_TRAIN_GATE_FAIL_RELEASE.schema.safeParse(env.PIO_TRAIN_GATE_FAIL_RELEASE);
  if (!failRelease.success) {
    throw new EngineWorkflowError(`PIO_TRAIN_GATE_FAIL_RELEASE="${env.PIO_TRAIN_GATE_FAIL_RELEASE}" must be true or false.`, { logger: LOGGER });
  }
  return { settings, metric, failRelease: failRelease.data };
}

function isMetric(value: unknown): value is Metric {
  return typeof value === 'object' && value !== null && typeof (value as Metric).calculate === 'function';
}

const asParams = (settings: EngineSettings): EngineParams => ({
  datasource: settings.datasource,
  preparator: settings.preparator,
  algorithms: settings.algorithms,
  serving: settings.serving,
});

/** Scores the new training's params against the serving instance's; logs the scores and the verdict. */
export async function judgeTraining(options: {
  gate: PromotionGate;
  storage: Storage;
  identity: EngineIdentity;
  engine: ResolvedEngine;
  candidate: EngineSettings;
  candidateId: string;
  ctx: EngineContext;
  console: ConsoleLines;
}): Promise<GateVerdict> {
  const { gate, console } = options;
  const serving: EngineInstance | undefined = (await servingTarget(options.storage, options.identity))?.instance;
  if (!serving) return { promoted: true, reason: 'no model serves yet, nothing to compare with' };
  if (!options.engine.definition.datasource) throw new EngineWorkflowError('The engine has no data source.', { logger: LOGGER });
  console.info(LOGGER, `Scoring the new training against the serving engine instance ${serving.id} by ${gate.settings.metric}`);
  const plan = {
    evaluationSpec: gate.settings.metric,
    evaluation: { engineFactory: () => options.engine.definition, metric: gate.metric },
    generatorSpec: 'PIO_TRAIN_GATE',
    paramsList: [asParams(settingsFromColumns(serving)), asParams(options.candidate)],
    engine: options.engine,
  };
  const [old, candidate] = [
    await scoreEngineParams(plan, 0, options.ctx, console),
    await scoreEngineParams(plan, 1, options.ctx, console),
  ];
  const [oldScore, newScore] = [Number(old.score), Number(candidate.score)];
  if (!Number.isFinite(oldScore) || !Number.isFinite(newScore)) {
    throw new EngineWorkflowError(
      `PIO_TRAIN_GATE metric ${gate.settings.metric} gave ${String(candidate.score)} (new) and ${String(old.score)} (serving); the gate needs numeric scores.`,
      { logger: LOGGER },
    );
  }
  const worse = gate.metric.compare ? gate.metric.compare(newScore, oldScore) < 0 : newScore < oldScore;
  const margin = Math.abs(newScore - oldScore);
  const scores = `${newScore} (new, engine instance ${options.candidateId}) vs ${oldScore} (serving, engine instance ${serving.id}), tolerance ${gate.settings.tolerance}`;
  if (worse && margin > gate.settings.tolerance) {
    return { promoted: false, reason: `scores worse by ${margin}: ${scores}`, score: newScore, servingInstanceId: serving.id };
  }
  return { promoted: true, reason: scores, score: newScore };
}

/** The instance's env with the gate score, shown by `pio-deploy models list`. */
export function withGateScore(env: Record<string, string>, verdict: GateVerdict | undefined): Record<string, string> {
  return verdict?.score === undefined ? env : { ...env, [GATE_SCORE_ENV_KEY]: String(verdict.score) };
}

/**
 * After a refused training is stored as GATED: says why and what serves instead; with
 * PIO_TRAIN_GATE_FAIL_RELEASE=true it fails `pio train` (and so the release) with GATE_REFUSED_EXIT_CODE.
 */
export function reportRefusal(gate: PromotionGate, verdict: Extract<GateVerdict, { promoted: false }>, candidateId: string, console: ConsoleLines): void {
  const message =
    `Not promoted: the new training ${verdict.reason}. Engine instance ${candidateId} is stored as ${GATED_STATUS}; ` +
    `engine instance ${verdict.servingInstanceId} keeps serving (pio-deploy models pin ${candidateId} serves the new one anyway).`;
  if (gate.failRelease) {
    throw new EngineWorkflowError(`${message} PIO_TRAIN_GATE_FAIL_RELEASE=true: training fails.`, { logger: LOGGER, exitCode: GATE_REFUSED_EXIT_CODE });
  }
  console.warn(LOGGER, message);
}
