import type { ConsoleLines } from './context.js';
import { loadEngineModule, parseModuleReference, pickExport, type BundleEntry, type ModuleReference } from './engine-module.js';
import { resolveEngineFactory, type ResolvedEngine } from './engine-definition.js';
import type { EngineVariant } from './engine-variant.js';

export interface LoadedEngine extends ResolvedEngine {
  reference: ModuleReference;
  bundle: BundleEntry;
}

/**
 * The engine named by `factorySpec` (default: the variant's `engineFactory`), from its bundle (built first
 * when missing or stale).
 */
export async function loadEngine(variant: EngineVariant, console: ConsoleLines, factorySpec?: string): Promise<LoadedEngine> {
  const spec = factorySpec ?? variant.engineFactory;
  const reference = parseModuleReference(spec, 'engine factory');
  const { exports, entry } = await loadEngineModule(variant.engineDir, reference, {
    onBuild: (modulePath) => console.info('Engine$', `Building ${modulePath} (no up-to-date build found in target/).`),
  });
  const resolved = await resolveEngineFactory(pickExport(exports, reference, 'engine factory'), spec);
  return { ...resolved, reference, bundle: entry };
}
