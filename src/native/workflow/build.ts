import { relative } from 'node:path';
import type { ConsoleLines } from './context.js';
import { instantiateEngine } from './engine-definition.js';
import { buildEngineModules, cleanTarget } from './engine-module.js';
import { engineFactoryReference, upstreamScalaFiles, portAnnouncement } from './engine-ports.js';
import { locateEngine, readEngineVariant } from './engine-variant.js';
import { EngineWorkflowError } from './errors.js';
import { loadEngine } from './load-engine.js';
import { checkTemplate } from './template-check.js';

export interface BuildCommandOptions {
  engineDir?: string | undefined;
  variant?: string | undefined;
  clean?: boolean | undefined;
}

/**
 * `pio build` (BEHAVIOUR.md#pio-build): bundles the engine with esbuild (no type-check: fast enough to run on every
 * build and start), then loads the bundle and checks that engine.json's components exist and its params
 * validate, so mistakes surface here rather than in the release phase.
 */
export async function runBuild(options: BuildCommandOptions, io: { console: ConsoleLines; cwd?: string }): Promise<{ elapsedMs: number }> {
  const { console } = io;
  const started = performance.now();
  const location = await locateEngine(options, io.cwd);
  await checkTemplate(location.engineDir, console, { fatal: true });
  const variant = await readEngineVariant(location);
  const reference = engineFactoryReference(variant.engineFactory);
  if (options.clean) await cleanTarget(location.engineDir);
  const port = portAnnouncement(variant.engineFactory, relative(io.cwd ?? process.cwd(), variant.path) || variant.path);
  if (port) {
    console.info('Engine$', port);
    const ignored = await upstreamScalaFiles(location.engineDir);
    if (ignored.length > 0) console.info('Engine$', `Not used by the native runtime: ${ignored.join(', ')} (the upstream engine's Scala build).`);
  }

  const { version } = await import('esbuild');
  console.info('Engine$', `Using command 'esbuild ${version}' at ${location.engineDir} to build.`);
  console.info('Engine$', 'If the path above is incorrect, this process will fail.');
  console.info('Engine$', `Going to run: esbuild ${reference.entryPoint ?? reference.modulePath} --bundle --platform=node --format=esm --target=node20 in ${location.engineDir}`);
  const { manifest } = await buildEngineModules({
    engineDir: location.engineDir,
    modules: [{ modulePath: reference.modulePath, entryPoint: reference.entryPoint, sourceRoot: reference.sourceRoot, isEngineFactory: true }],
    engineId: variant.engineFactory,
    engineVariant: variant.id,
  });
  console.info('Engine$', 'Compilation finished successfully.');
  console.info('Engine$', 'Looking for an engine...');
  const entry = manifest.bundles.find((bundle) => bundle.module === reference.modulePath);
  if (!entry) throw new EngineWorkflowError('No engine found. Your build might have failed. Aborting.');
  console.info('Engine$', `Found ${entry.bundle}`);

  const engine = await loadEngine(variant, console);
  const components = instantiateEngine(engine.definition, variant, relative(io.cwd ?? process.cwd(), variant.path) || variant.path);
  console.info(
    'Engine$',
    `Engine ${variant.engineFactory} (variant ${variant.id}): ${components.algorithms.length} algorithm(s) ${components.algorithms
      .map((algorithm) => JSON.stringify(algorithm.name))
      .join(', ')}; content hash ${entry.contentHash}.`,
  );
  console.info('Engine$', 'Build finished successfully.');
  console.info('Pio$', 'Your engine is ready for training.');
  return { elapsedMs: performance.now() - started };
}
