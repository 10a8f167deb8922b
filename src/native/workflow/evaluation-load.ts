import type { EngineParams, Evaluation } from '../engine/types.js';
import type { ConsoleLines } from './context.js';
import { isEvaluation, resolveEngineFactory, type ResolvedEngine } from './engine-definition.js';
import { loadEngineModule, parseModuleReference, pickExport } from './engine-module.js';
import { EngineWorkflowError } from './errors.js';

/** What `pio eval` runs: the evaluation, the engine-params sets it scores, and the engine they configure. */
export interface EvaluationPlan {
  /** As given: `src/evaluation.ts#accuracy`. */
  evaluationSpec: string;
  evaluation: Evaluation;
  /** The module export that lists the params sets (the evaluation itself unless a generator is named). */
  generatorSpec: string;
  paramsList: EngineParams[];
  engine: ResolvedEngine;
}

/** Loads (building when needed) the evaluation and its params generator from the engine directory. */
export async function loadEvaluationPlan(
  specs: { evaluation: string; generator?: string | undefined },
  engineDir: string,
  console: ConsoleLines,
): Promise<EvaluationPlan> {
  const loadExport = async (spec: string, what: string) => {
    const reference = parseModuleReference(spec, what);
    const { exports } = await loadEngineModule(engineDir, reference, {
      onBuild: (modulePath) => console.info('Engine$', `Building ${modulePath}.`),
    });
    return pickExport(exports, reference, what);
  };

  const evaluation = await loadExport(specs.evaluation, 'evaluation');
  if (!isEvaluation(evaluation)) {
    throw new EngineWorkflowError(`${specs.evaluation} is not an evaluation: export {engineFactory, metric, otherMetrics?, engineParamsList?}.`);
  }
  const generatorSpec = specs.generator ?? specs.evaluation;
  const generator = specs.generator ? await loadExport(specs.generator, 'engine params generator') : evaluation;
  const paramsList = (generator as { engineParamsList?: unknown }).engineParamsList;
  if (!Array.isArray(paramsList) || paramsList.length === 0) {
    throw new EngineWorkflowError(`${generatorSpec} has no engineParamsList: export {engineParamsList: [engine params, …]}.`);
  }
  const engine = await resolveEngineFactory(evaluation.engineFactory, specs.evaluation);
  return { evaluationSpec: specs.evaluation, evaluation, generatorSpec, paramsList: paramsList as EngineParams[], engine };
}
