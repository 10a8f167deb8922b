import { createHash } from 'node:crypto';
import { variantFromPioOpts } from '../config/engine-json.js';
import { UserError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import { openStorage, resolveStorageSettings, type EngineInstance, type Storage } from '../native/storage/index.js';
import { engineIdentityOf, locateEngine, readEngineVariant, type EngineIdentity } from '../native/workflow/engine-variant.js';
import { GATE_SCORE_ENV_KEY } from '../native/workflow/promotion.js';
import { servingTarget, type ServingTarget } from '../native/workflow/select-instance.js';
import type { DistributionKind } from '../config/storage-env.js';
import { prepareRuntime, type RuntimeContext } from './runtime-config.js';

/**
 * `pio-deploy models …` (`heroku run pio-deploy models …`): the app's engine instances and which one
 * serves. A pin lives in the database (pio_deploy_serving_pins), so every web dyno's engine server
 * swaps to it within one poll interval (PIO_ENGINE_POLL_INTERVAL) and back to the newest training on unpin.
 */

interface ModelsContext {
  storage: Storage;
  engine: EngineIdentity;
  kind: DistributionKind;
}

async function withModels<T>(appDir: string, env: NodeJS.ProcessEnv, output: Output, work: (context: ModelsContext) => Promise<T>): Promise<T> {
  return withRuntimeModels(await prepareRuntime(appDir, env, output), work);
}

async function withRuntimeModels<T>(runtime: RuntimeContext, work: (context: ModelsContext) => Promise<T>): Promise<T> {
  const location = await locateEngine({ engineDir: runtime.appDir, variant: variantFromPioOpts(runtime.config.values.PIO_OPTS) });
  const engine = engineIdentityOf(await readEngineVariant(location));
  const storage = await openStorage(resolveStorageSettings(runtime.childEnv), { applicationName: 'pio-deploy-models' });
  try {
    return await work({ storage, engine, kind: runtime.kind });
  } finally {
    await storage.close();
  }
}

/**
 * The engine instance pinned for the app's engine, if any (and still there): what an Apache
 * distribution's `pio deploy`, which knows nothing of pins, is told to serve with `--engine-instance-id`.
 */
export async function pinnedInstanceId(runtime: RuntimeContext): Promise<string | undefined> {
  return withRuntimeModels(runtime, async ({ storage, engine }) => {
    const target = await servingTarget(storage, engine);
    return target?.pinned ? target.instance.id : undefined;
  });
}

const ofEngine = (instance: EngineInstance, engine: EngineIdentity) =>
  instance.engineId === engine.engineId && instance.engineVersion === engine.engineVersion && instance.engineVariant === engine.engineVariant;

/** Short digest of the params an instance was trained with: equal digests, equal params. */
export function paramsDigest(instance: EngineInstance): string {
  const params = [instance.dataSourceParams, instance.preparatorParams, instance.algorithmsParams, instance.servingParams];
  return createHash('sha1').update(params.join('\n')).digest('hex').slice(0, 8);
}

function servingLabel(instance: EngineInstance, target: ServingTarget | undefined): string {
  if (target?.instance.id !== instance.id) return '';
  return target.pinned ? 'serving (pinned)' : 'serving';
}

/** A left-aligned table with 2 spaces between columns, each line shown as detail. */
function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

export async function listModels(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  return withModels(appDir, env, output, async ({ storage, engine }) => {
    const instances = (await storage.engineInstances.getAll()).filter((instance) => ofEngine(instance, engine));
    const target = await servingTarget(storage, engine);
    output.topic(`Engine instances of ${engine.engineId} (variant ${engine.engineVariant})`);
    if (instances.length === 0) {
      output.detail('None yet: train the engine (pio-deploy train, or a release).');
      return 0;
    }
    const rows = instances.map((instance) => [
      instance.id,
      instance.status,
      instance.startTime.toISOString(),
      instance.endTime.toISOString(),
      paramsDigest(instance),
      instance.env[GATE_SCORE_ENV_KEY] ?? '-',
      servingLabel(instance, target),
    ]);
    output.detail(table([['ID', 'STATUS', 'STARTED', 'ENDED', 'PARAMS', 'METRIC', 'SERVING'], ...rows]));
    if (target?.pinned) output.detail(`Pinned: pio-deploy models unpin returns to the newest completed training.`);
    return 0;
  });
}

async function pinInstance(context: ModelsContext, instance: EngineInstance, output: Output, verb: string): Promise<void> {
  await context.storage.servingPins.set(context.engine, instance.id);
  output.topic(`${verb} engine instance ${instance.id} (${instance.status}, trained ${instance.startTime.toISOString()})`);
  if (context.kind === 'apache') {
    // Apache PredictionIO's engine server has no model poll: the pin reaches it as --engine-instance-id.
    output.detail('Web dynos serve it from their next start (pio deploy --engine-instance-id): restart them, e.g. heroku ps:restart web.');
  } else {
    output.detail('Every web dyno serves it within one poll interval (PIO_ENGINE_POLL_INTERVAL); new trainings do not replace it.');
  }
  output.detail('pio-deploy models unpin returns to the newest completed training.');
}

export async function pinModel(appDir: string, env: NodeJS.ProcessEnv, output: Output, id: string): Promise<number> {
  return withModels(appDir, env, output, async (context) => {
    const instance = await context.storage.engineInstances.get(id.trim().toLowerCase());
    if (!instance || !ofEngine(instance, context.engine)) {
      throw new UserError(`Unknown engine instance ${JSON.stringify(id)}: no instance with that id was trained for this app's engine. Nothing was changed.`, {
        hint: 'pio-deploy models list shows the ids.',
      });
    }
    if (instance.status !== 'COMPLETED' && instance.status !== 'GATED') {
      throw new UserError(`Engine instance ${instance.id} has status ${instance.status}: its training did not finish, so it has no model to serve. Nothing was changed.`, {
        hint: 'Pin a COMPLETED (or GATED) instance; pio-deploy models list shows them.',
      });
    }
    await pinInstance(context, instance, output, 'Pinned');
    return 0;
  });
}

export async function unpinModel(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  return withModels(appDir, env, output, async ({ storage, engine }) => {
    const had = await storage.servingPins.clear(engine);
    output.topic(had ? 'Unpinned: the newest completed training serves' : 'No pin: the newest completed training serves already');
    const target = await servingTarget(storage, engine);
    if (target) output.detail(`Engine instance ${target.instance.id} (trained ${target.instance.startTime.toISOString()}), within one poll interval.`);
    return 0;
  });
}

/** Pins the newest COMPLETED instance trained before the one serving now. */
export async function rollbackModel(appDir: string, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  return withModels(appDir, env, output, async (context) => {
    const { storage, engine } = context;
    const serving = await servingTarget(storage, engine);
    if (!serving) throw new UserError('Nothing serves yet, so there is nothing to roll back from. Nothing was changed.', { hint: 'Train the engine first.' });
    const completed = await storage.engineInstances.getCompleted(engine.engineId, engine.engineVersion, engine.engineVariant);
    const previous = completed.find((instance) => instance.startTime.getTime() < serving.instance.startTime.getTime());
    if (!previous) {
      throw new UserError(`No completed training before the serving engine instance ${serving.instance.id}. Nothing was changed.`, {
        hint: 'pio-deploy models list shows the instances; pio-deploy models pin <id> serves a given one.',
      });
    }
    await pinInstance(context, previous, output, `Rolled back from ${serving.instance.id} to`);
    return 0;
  });
}
