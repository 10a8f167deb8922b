import type { EngineContext, Logger } from '../engine/types.js';
import type { EngineInstance, Storage } from '../storage/index.js';
import { createEngineContext, engineLogger, type ConsoleLines } from './context.js';
import { predictQuery, restoreModels } from './dase-pipeline.js';
import { instantiateEngine, settingsFromColumns, type EngineComponents } from './engine-definition.js';
import type { EngineVariant } from './engine-variant.js';
import { EngineWorkflowError } from './errors.js';
import { createEventStore } from './event-store.js';
import { loadEngine } from './load-engine.js';
import { decodeModels } from './model-codec.js';

/**
 * Everything needed to answer queries with one trained engine instance: its components (constructed
 * with the params stored in the instance row, not the current engine.json, BEHAVIOUR.md#model-persistence) and live models.
 * Immutable once loaded, so a hot swap is a single reference assignment and in-flight queries finish on
 * the state they started with.
 */
export interface ServingState {
  instance: EngineInstance;
  components: EngineComponents;
  models: unknown[];
  ctx: EngineContext;
  loadedAt: Date;
}

export async function loadServingState(options: {
  storage: Storage;
  instance: EngineInstance;
  variant: EngineVariant;
  console: ConsoleLines;
  /** The engine's logger (default: console lines); the server routes it into its structured log. */
  log?: Logger | undefined;
  mode?: 'deploy' | 'batchpredict';
}): Promise<ServingState> {
  const { storage, instance, variant, console } = options;
  const engine = await loadEngine(variant, console, instance.engineFactory);
  const components = instantiateEngine(engine.definition, settingsFromColumns(instance), `engine instance ${instance.id}`);
  const blob = await storage.models.get(instance.id);
  if (!blob) {
    throw new EngineWorkflowError(`Engine instance ${instance.id} has no stored model. Run 'pio train' again.`);
  }
  const ctx = createEngineContext({
    events: createEventStore(storage),
    log: options.log ?? engineLogger(console),
    mode: options.mode ?? 'deploy',
    engineInstanceId: instance.id,
  });
  const models = await restoreModels(components, decodeModels(blob.models, instance.id), ctx);
  return { instance, components, models, ctx, loadedAt: new Date() };
}

/** Query JSON → prediction JSON with one serving state (BEHAVIOUR.md#serving-a-query steps 1–5). */
export async function answerQuery(state: ServingState, queryJson: unknown): Promise<{ query: unknown; prediction: unknown; json: unknown }> {
  const query = state.components.parseQuery(queryJson);
  const prediction = await predictQuery(state.components, state.models, query, state.ctx);
  return { query, prediction, json: state.components.predictionToJson(prediction) };
}
