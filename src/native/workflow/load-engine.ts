import type { ConsoleLines } from './context.js';
import { loadEngineModule, pickExport, type BundleEntry, type ModuleReference } from './engine-module.js';
import { resolveEngineFactory, type ResolvedEngine } from './engine-definition.js';
import { engineFactoryReference } from './engine-ports.js';
import type { EngineVariant } from './engine-variant.js';

export interface LoadedEngine extends ResolvedEngine {
  reference: ModuleReference;
  bundle: BundleEntry;
}

/**
 * The engine named by `factorySpec` (default: the variant's `engineFactory`; an upstream Scala factory
 * names its port), from its bundle (built first when missing or stale).
 */
export async function loadEngine(variant: EngineVariant, console: ConsoleLines, factorySpec?: string): Promise<LoadedEngine> {
  const spec = factorySpec ?? variant.engineFactory;
  const reference = engineFactoryReference(spec);
  const { exports, entry } = await loadEngineModule(variant.engineDir, reference, {
    onBuild: (modulePath) => console.info('Engine$', `Building ${modulePath} (no up-to-date build found in target/).`),
  });
  const resolved = await resolveEngineFactory(pickExport(exports, reference, 'engine factory'), spec);
  return { ...resolved, reference, bundle: entry };
}
