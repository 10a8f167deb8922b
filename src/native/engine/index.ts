/**
 * The public engine API (`import … from 'pio-deploy/engine'`): the DASE contracts, helpers for the
 * standard components and metrics, and zod for params and query schemas.
 *
 * An engine is a directory with engine.json whose `engineFactory` names a module and export, e.g.
 * `"engineFactory": "src/engine.ts#createEngine"` (no `#name` = the default export):
 *
 *   import { z, defineEngine, type Algorithm } from 'pio-deploy/engine';
 *   class MeanAlgorithm implements Algorithm<number[], number, Query, number> {
 *     static params = z.object({ scale: z.number().default(1) });
 *     constructor(readonly params: { scale: number }) {}
 *     train(_ctx, values) { return mean(values) * this.params.scale; }
 *     predict(model) { return model; }
 *   }
 *   export const createEngine = () => defineEngine({ datasource: …, algorithms: { mean: MeanAlgorithm } });
 *
 * `pio build` bundles the engine with this module, so nothing here may rely on object identity.
 */
export type * from './types.js';
export {
  identityPreparator,
  firstServing,
  averageServing,
  defineComponent,
  defineEngine,
  defineEvaluation,
  defineEngineParamsGenerator,
} from './components.js';
export {
  averageMetric,
  optionAverageMetric,
  stdevMetric,
  optionStdevMetric,
  sumMetric,
  zeroMetric,
} from './metrics.js';
export { jsonString, jsonScalarToString } from './json.js';
export { javaDouble } from './java-double.js';
export { seededRandom, gaussian } from './random.js';
export { appNameOf } from './app-name.js';
/** How many threads a training should use: the cgroup CPU quota (a dyno's share), at most the machine's CPUs. */
export { cpuQuota } from '../../lib/cpu-quota.js';
/** Java's `Double.toString(double)`, e.g. for a value an engine prints as upstream's would. */
export { javaDoubleToString as javaDoubleString } from '../../lib/java-number.js';
export { z } from 'zod';
