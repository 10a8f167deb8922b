import type { EngineInstance, ServedEngine, Storage } from '../storage/index.js';
import type { EngineIdentity } from './engine-variant.js';
import { EngineWorkflowError } from './errors.js';

/** What should serve an engine now, and whether a pin (`pio-deploy models pin`) chose it. */
export interface ServingTarget {
  instance: EngineInstance;
  pinned: boolean;
}

/**
 * The instance an engine serves: the pinned one when a pin exists (whatever its status, so a pin can
 * force a gated-out training), else upstream's newest COMPLETED. A pin whose instance was deleted is
 * ignored (the newest COMPLETED serves) rather than leaving the engine without a model.
 */
export async function servingTarget(storage: Storage, engine: ServedEngine): Promise<ServingTarget | undefined> {
  const pin = await storage.servingPins.get(engine);
  if (pin) {
    const instance = await storage.engineInstances.get(pin.engineInstanceId);
    if (instance) return { instance, pinned: true };
  }
  const latest = await storage.engineInstances.getLatestCompleted(engine.engineId, engine.engineVersion, engine.engineVariant);
  return latest && { instance: latest, pinned: false };
}

/** Upstream's instance selection for deploy and batch predict (BEHAVIOUR.md#pio-deploy steps 2–3), honouring a pin. */
export async function selectEngineInstance(
  storage: Storage,
  identity: EngineIdentity,
  engineInstanceId: string | undefined,
  command: 'deploy' | 'batchpredict',
): Promise<EngineInstance> {
  if (engineInstanceId !== undefined) {
    const instance = await storage.engineInstances.get(engineInstanceId);
    if (!instance) throw new EngineWorkflowError(`Invalid engine instance ID ${engineInstanceId}. Aborting.`);
    return instance;
  }
  const target = await servingTarget(storage, identity);
  if (!target) {
    throw new EngineWorkflowError(
      `No valid engine instance found for engine ${identity.engineId} ${identity.engineVersion}.\nTry running 'train' before '${command}'. Aborting.`,
    );
  }
  return target.instance;
}
