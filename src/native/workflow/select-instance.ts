import type { EngineInstance, Storage } from '../storage/index.js';
import type { EngineIdentity } from './engine-variant.js';
import { EngineWorkflowError } from './errors.js';

/** Upstream's instance selection for deploy and batch predict (spec §5.10 steps 2–3). */
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
  const instance = await storage.engineInstances.getLatestCompleted(identity.engineId, identity.engineVersion, identity.engineVariant);
  if (!instance) {
    throw new EngineWorkflowError(
      `No valid engine instance found for engine ${identity.engineId} ${identity.engineVersion}.\nTry running 'train' before '${command}'. Aborting.`,
    );
  }
  return instance;
}
