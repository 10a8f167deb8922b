import { generateInstanceId, type Storage } from '../storage/index.js';
import { createEngineContext, engineLogger, pioEnvironment, type ConsoleLines } from './context.js';
import { persistModels, trainEngine } from './dase-pipeline.js';
import { instantiateEngine, paramsColumns, settingsFromEngineParams, type EngineSettings } from './engine-definition.js';
import { engineIdentityOf, locateEngine, readEngineVariant } from './engine-variant.js';
import { EngineWorkflowError, errorMessage } from './errors.js';
import { createEventStore } from './event-store.js';
import { loadEngine } from './load-engine.js';
import { encodeModels } from './model-codec.js';
import { checkTrainingMemory, describeTrainingMemory } from './training-memory.js';
import { GATED_STATUS, judgeTraining, loadPromotionGate, reportRefusal, withGateScore } from './promotion.js';

export interface TrainOptions {
  engineDir?: string | undefined;
  variant?: string | undefined;
  batch?: string | undefined;
  skipSanityCheck?: boolean | undefined;
  stopAfterRead?: boolean | undefined;
  stopAfterPrepare?: boolean | undefined;
  /** Overrides engine.json's engineFactory (stored in `engineFactory`; `engineId` keeps engine.json's). */
  engineFactory?: string | undefined;
  engineParamsKey?: string | undefined;
  verbosity?: number | undefined;
}

export interface TrainResult {
  engineInstanceId: string;
  /** GATED: trained, but the promotion gate (PIO_TRAIN_GATE) kept the serving model. */
  status: 'COMPLETED' | 'INIT' | 'GATED';
}

/**
 * `pio train` (BEHAVIOUR.md#pio-train, BEHAVIOUR.md#engine-instances-and-models): INIT row → DataSource → Preparator → Algorithms → model blob → COMPLETED.
 * Any failure leaves the row INIT (never COMPLETED), so deploys and hot swaps keep the previous model.
 * The training is marked alive while it runs (`holdTraining`), and each training first marks the INIT
 * rows of this engine whose trainer is gone as ABORTED: a training killed midway leaves no INIT row
 * that looks like one in progress.
 */
export async function runTrain(
  options: TrainOptions,
  io: { console: ConsoleLines; openStorage: () => Promise<Storage>; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<TrainResult> {
  const { console } = io;
  const location = await locateEngine(options, io.cwd);
  const variant = await readEngineVariant(location);
  const engine = await loadEngine(variant, console, options.engineFactory);

  let settings: EngineSettings = variant;
  let source = variant.path;
  if (options.engineParamsKey !== undefined) {
    if (!engine.engineParams) {
      throw new EngineWorkflowError(`Engine factory ${engine.reference.spec} has no engineParams(key) for --engine-params-key ${options.engineParamsKey}.`);
    }
    try {
      settings = settingsFromEngineParams(await engine.engineParams(options.engineParamsKey));
    } catch (error) {
      throw new EngineWorkflowError(`${engine.reference.spec} engineParams('${options.engineParamsKey}') failed: ${errorMessage(error)}`, { cause: error });
    }
    source = `${engine.reference.spec} engineParams('${options.engineParamsKey}')`;
  }
  const components = instantiateEngine(engine.definition, settings, source);
  const gate = await loadPromotionGate(io.env ?? process.env, location.engineDir, console);
  const workflow = {
    batch: options.batch ?? '',
    verbosity: options.verbosity ?? 0,
    skipSanityCheck: options.skipSanityCheck ?? false,
    stopAfterRead: options.stopAfterRead ?? false,
    stopAfterPrepare: options.stopAfterPrepare ?? false,
  };

  const storage = await io.openStorage();
  let training: { release(): Promise<void> } | undefined;
  try {
    // Before any row or lock: a training that cannot fit is refused, not killed midway.
    const memory = await checkTrainingMemory(storage, datasourceAppName(components.datasource.params), io.env ?? process.env);
    if (memory) console.info('CoreWorkflow$', describeTrainingMemory(memory));
    const identity = engineIdentityOf(variant);
    const aborted = await storage.engineInstances.abortOrphanedTrainings(identity.engineId, identity.engineVersion, identity.engineVariant);
    for (const id of aborted) console.info('CoreWorkflow$', `Engine instance ${id} was left INIT by a training that is gone; marked ABORTED.`);
    const now = new Date();
    // Alive before the row exists, so no other training can take the new INIT row for an abandoned one.
    const engineInstanceId = generateInstanceId();
    training = await storage.engineInstances.holdTraining(engineInstanceId);
    await storage.engineInstances.insert({
      id: engineInstanceId,
      status: 'INIT',
      startTime: now,
      endTime: now,
      ...identity,
      engineFactory: engine.reference.spec,
      batch: workflow.batch,
      env: pioEnvironment(io.env ?? process.env),
      sparkConf: { ...variant.sparkConf, 'spark.executor.extraClassPath': '.' },
      ...paramsColumns(components),
    });
    console.info('Engine$', `EngineWorkflow.train (engine instance ${engineInstanceId})`);
    console.info('Engine$', `DataSource: ${JSON.stringify(components.datasource.name)} ${JSON.stringify(components.datasource.params ?? {})}`);
    console.info('Engine$', `Preparator: ${JSON.stringify(components.preparator.name)} ${JSON.stringify(components.preparator.params ?? {})}`);
    console.info('Engine$', `AlgorithmList: ${components.algorithms.map((a) => `${JSON.stringify(a.name)} ${JSON.stringify(a.params ?? {})}`).join(', ')}`);
    console.info('Engine$', `Serving: ${JSON.stringify(components.serving.name)} ${JSON.stringify(components.serving.params ?? {})}`);
    console.info('Engine$', workflow.skipSanityCheck ? 'Data sanity check is off.' : 'Data sanity check is on.');

    const ctx = createEngineContext({
      events: createEventStore(storage),
      log: engineLogger(console, workflow.verbosity),
      mode: 'train',
      workflow,
      engineInstanceId,
    });
    let outcome;
    try {
      outcome = await trainEngine(components, ctx);
    } catch (error) {
      if (error instanceof EngineWorkflowError) throw error;
      throw new EngineWorkflowError(`Training failed: ${errorMessage(error)}`, { logger: 'CoreWorkflow$', cause: error });
    }
    if (outcome.kind === 'interrupted') {
      console.info('CoreWorkflow$', `Training interrupted by org.apache.predictionio.workflow.${outcome.interruption}.`);
      return { engineInstanceId, status: 'INIT' };
    }
    console.info('Engine$', 'EngineWorkflow.train completed');
    const stored = await persistModels(components, outcome.models, ctx);
    console.info('CoreWorkflow$', 'Inserting persistent model');
    await storage.models.insert({ id: engineInstanceId, models: encodeModels(stored) });
    console.info('CoreWorkflow$', 'Updating engine instance');
    const instance = await storage.engineInstances.get(engineInstanceId);
    if (!instance) throw new EngineWorkflowError(`Engine instance ${engineInstanceId} disappeared during training.`, { logger: 'CoreWorkflow$' });
    const verdict = gate
      ? await judgeTraining({ gate, storage, identity: engineIdentityOf(variant), engine, candidate: settings, candidateId: engineInstanceId, ctx, console })
      : undefined;
    if (gate && verdict && !verdict.promoted) {
      await storage.engineInstances.update({ ...instance, status: GATED_STATUS, endTime: new Date(), env: withGateScore(instance.env, verdict) });
      reportRefusal(gate, verdict, engineInstanceId, console);
      return { engineInstanceId, status: 'GATED' };
    }
    if (verdict) console.info('PromotionGate', `Promoted: ${verdict.reason}.`);
    await storage.engineInstances.update({ ...instance, status: 'COMPLETED', endTime: new Date(), env: withGateScore(instance.env, verdict) });
    console.info('CoreWorkflow$', 'Training completed successfully.');
    return { engineInstanceId, status: 'COMPLETED' };
  } finally {
    await training?.release();
    await storage.close();
  }
}

/** The app the data source reads, when its params name one (the upstream templates' `appName`). */
function datasourceAppName(params: unknown): string | undefined {
  const appName = (params as { appName?: unknown } | undefined)?.appName;
  return typeof appName === 'string' && appName !== '' ? appName : undefined;
}
