import type { Algorithm, EngineContext } from '../engine/types.js';
import type { EngineComponents } from './engine-definition.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import { storedModelFrom, type StoredModel } from './model-codec.js';

/**
 * The DASE pipeline shared by train, eval, deploy and batch predict (BEHAVIOUR.md#dase-contracts), independent of
 * storage and HTTP.
 */

function sanityCheck(value: unknown, what: string, ctx: EngineContext): void {
  if (ctx.workflow.skipSanityCheck) return;
  const check = (value as { sanityCheck?: unknown } | null | undefined)?.sanityCheck;
  if (typeof check !== 'function') return;
  ctx.log.info(`${what} sanity check`);
  check.call(value);
}

export type TrainOutcome =
  | { kind: 'trained'; models: unknown[] }
  | { kind: 'interrupted'; interruption: 'StopAfterReadInterruption' | 'StopAfterPrepareInterruption' };

/** A storage failure while reading training data gets upstream's dedicated message (BEHAVIOUR.md#training-workflow step 2). */
export class DataSourceReadError extends EngineWorkflowError {
  constructor(cause: unknown) {
    super(
      `Error occurred reading from data source. (Reason: ${errorMessage(cause)}) Please see the log for debugging details.`,
      { logger: 'Engine$', cause },
    );
  }
}

export async function readAndPrepare(components: EngineComponents, ctx: EngineContext): Promise<{ preparedData: unknown } | { interrupted: TrainOutcome }> {
  let trainingData: unknown;
  try {
    trainingData = await components.datasource.instance.readTraining(ctx);
  } catch (error) {
    if ((error as { name?: string } | null)?.name?.startsWith('Storage')) throw new DataSourceReadError(error);
    throw error;
  }
  sanityCheck(trainingData, 'Data source', ctx);
  if (ctx.workflow.stopAfterRead) return { interrupted: { kind: 'interrupted', interruption: 'StopAfterReadInterruption' } };
  const preparedData = await components.preparator.instance.prepare(ctx, trainingData);
  sanityCheck(preparedData, 'Prepared data', ctx);
  if (ctx.workflow.stopAfterPrepare) return { interrupted: { kind: 'interrupted', interruption: 'StopAfterPrepareInterruption' } };
  return { preparedData };
}

export async function trainAlgorithms(algorithms: Algorithm[], preparedData: unknown, ctx: EngineContext): Promise<unknown[]> {
  const models: unknown[] = [];
  for (const algorithm of algorithms) {
    const model = await algorithm.train(ctx, preparedData);
    sanityCheck(model, 'Model', ctx);
    models.push(model);
  }
  return models;
}

/** Engine.train: read, prepare, train every algorithm on the same prepared data. */
export async function trainEngine(components: EngineComponents, ctx: EngineContext): Promise<TrainOutcome> {
  const prepared = await readAndPrepare(components, ctx);
  if ('interrupted' in prepared) return prepared.interrupted;
  const models = await trainAlgorithms(
    components.algorithms.map((algorithm) => algorithm.instance),
    prepared.preparedData,
    ctx,
  );
  return { kind: 'trained', models };
}

/** Model id of algorithm `index` named `name`: `<instanceId>-<index>-<name>` (BEHAVIOUR.md#training-workflow step 7). */
export function modelIdOf(instanceId: string, index: number, name: string): string {
  return `${instanceId}-${index}-${name}`;
}

/** Models → what goes into the models table (BEHAVIOUR.md#training-workflow step 7, BEHAVIOUR.md#model-persistence). */
export async function persistModels(components: EngineComponents, models: unknown[], ctx: EngineContext): Promise<StoredModel[]> {
  const stored: StoredModel[] = [];
  for (const [index, { name, instance }] of components.algorithms.entries()) {
    const model = models[index];
    if (instance.saveModel) {
      const modelId = modelIdOf(ctx.engineInstanceId, index, name);
      stored.push((await instance.saveModel(modelId, model, ctx)) ? { kind: 'persistent', modelId } : { kind: 'retrain' });
    } else {
      stored.push(storedModelFrom(instance.serializeModel ? instance.serializeModel(model) : (model as never)));
    }
  }
  return stored;
}

/**
 * Stored entries → live models (BEHAVIOUR.md#model-persistence `prepareDeploy`): deserialised, loaded through the algorithm's
 * loader, or re-trained (data source and preparator run once for all re-trained algorithms).
 */
export async function restoreModels(components: EngineComponents, stored: StoredModel[], ctx: EngineContext): Promise<unknown[]> {
  if (stored.length !== components.algorithms.length) {
    throw new EngineWorkflowError(
      `Engine instance ${ctx.engineInstanceId} has ${stored.length} stored models for ${components.algorithms.length} algorithms. Train again.`,
    );
  }
  const models: unknown[] = new Array(stored.length);
  const retrain: number[] = [];
  for (const [index, entry] of stored.entries()) {
    const { instance, name } = components.algorithms[index]!;
    switch (entry.kind) {
      case 'json':
      case 'binary': {
        const data = entry.kind === 'json' ? entry.value : entry.bytes;
        models[index] = instance.deserializeModel ? await instance.deserializeModel(data, ctx) : data;
        break;
      }
      case 'persistent':
        if (!instance.loadModel) {
          throw new EngineWorkflowError(`Algorithm '${name}' saved its model itself but has no loadModel to restore it.`);
        }
        models[index] = await instance.loadModel(entry.modelId, ctx);
        break;
      case 'retrain':
        retrain.push(index);
        break;
    }
  }
  if (retrain.length > 0) {
    ctx.log.info(`Re-training ${retrain.length} algorithm(s) whose models were not persisted`);
    const prepared = await readAndPrepare(components, { ...ctx, workflow: { ...ctx.workflow, stopAfterRead: false, stopAfterPrepare: false } });
    if ('interrupted' in prepared) throw new EngineWorkflowError('Re-training at deploy time was interrupted.');
    const trained = await trainAlgorithms(
      retrain.map((index) => components.algorithms[index]!.instance),
      prepared.preparedData,
      ctx,
    );
    retrain.forEach((index, position) => (models[index] = trained[position]));
  }
  return models;
}

/** One query through the pipeline of BEHAVIOUR.md#serving-a-query steps 2–4 (parsing excluded). */
export async function predictQuery(components: EngineComponents, models: unknown[], query: unknown, ctx: EngineContext): Promise<unknown> {
  const serving = components.serving.instance;
  const supplemented = serving.supplement ? await serving.supplement(query) : query;
  const algorithms = components.algorithms;
  const predictions: unknown[] = new Array(algorithms.length);
  for (let index = 0; index < algorithms.length; index++) {
    predictions[index] = await algorithms[index]!.instance.predict(models[index], supplemented, ctx);
  }
  return serving.serve(query, predictions);
}

/**
 * Many queries: supplement each, let every algorithm `batchPredict` (default: `predict` mapped), serve
 * each with the original query. Returns predictions in query order.
 */
export async function predictBatch(components: EngineComponents, models: unknown[], queries: unknown[], ctx: EngineContext): Promise<unknown[]> {
  const serving = components.serving.instance;
  const supplemented: Array<[number, unknown]> = [];
  for (const [index, query] of queries.entries()) {
    supplemented.push([index, serving.supplement ? await serving.supplement(query) : query]);
  }
  const perAlgorithm: unknown[][] = [];
  for (const [algorithmIndex, { instance }] of components.algorithms.entries()) {
    const model = models[algorithmIndex];
    const byIndex = new Array<unknown>(queries.length);
    if (instance.batchPredict) {
      for (const [index, prediction] of await instance.batchPredict(ctx, model, supplemented)) byIndex[index] = prediction;
    } else {
      for (const [index, query] of supplemented) byIndex[index] = await instance.predict(model, query, ctx);
    }
    perAlgorithm.push(byIndex);
  }
  const results: unknown[] = [];
  for (const [index, query] of queries.entries()) {
    results.push(await serving.serve(query, perAlgorithm.map((predictions) => predictions[index])));
  }
  return results;
}
