import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists } from '../../lib/fs-checks.js';
import { parseModuleReference, type ModuleReference } from './engine-module.js';
import { EngineWorkflowError } from './errors.js';
import { runtimeRoot } from './runtime-paths.js';

/**
 * Scala engines that run without their code: engine.json's `engineFactory` names an upstream class
 * (`com.actionml.RecommendationEngine`) and the native runtime runs its TypeScript port, a template
 * shipped with this runtime, with the engine directory's own engine.json params. The engine
 * directory's Scala sources and build.sbt are not used.
 */

/** The template ports shipped in `<runtime>/templates/engines/<name>/`. */
export const PORTED_TEMPLATES = ['universal-recommender', 'classification', 'regression', 'recommendation'] as const;
export type PortedTemplate = (typeof PORTED_TEMPLATES)[number];

export interface UpstreamFactory {
  /** The Scala `EngineFactory` object, as engine.json names it. */
  engineFactory: string;
  /** Where that engine comes from, for the console line and docs. */
  upstream: string;
  port: PortedTemplate;
}

export const UPSTREAM_FACTORIES: readonly UpstreamFactory[] = [
  { engineFactory: 'com.actionml.RecommendationEngine', upstream: 'actionml/universal-recommender', port: 'universal-recommender' },
  { engineFactory: 'org.template.RecommendationEngine', upstream: 'heroku/predictionio-engine-ur', port: 'universal-recommender' },
  {
    engineFactory: 'org.template.classification.ClassificationEngine',
    upstream: 'heroku/predictionio-engine-classification',
    port: 'classification',
  },
  // That repository's engine.json names its evaluation, whose engine factory is ClassificationEngine.
  {
    engineFactory: 'org.template.classification.AccuracyEvaluation$',
    upstream: 'heroku/predictionio-engine-classification',
    port: 'classification',
  },
  { engineFactory: 'org.template.regression.RegressionEngine', upstream: 'heroku/predictionio-engine-regression', port: 'regression' },
  {
    engineFactory: 'org.example.recommendation.RecommendationEngine',
    upstream: 'apache/predictionio-template-recommender',
    port: 'recommendation',
  },
];

/** Every port's factory is `src/engine.ts#createEngine`, like the templates' own engine.json. */
const PORT_FACTORY_MODULE = 'src/engine.ts';
const PORT_FACTORY_EXPORT = 'createEngine';

export function portedTemplateDir(port: PortedTemplate): string {
  return join(runtimeRoot, 'templates', 'engines', port);
}

export function upstreamFactoryOf(engineFactory: string): UpstreamFactory | undefined {
  return UPSTREAM_FACTORIES.find((entry) => entry.engineFactory === engineFactory);
}

/** `org.example.Foo`, `com.x.Engine$`: a JVM class name rather than a module path. */
function looksLikeJvmClass(spec: string): boolean {
  return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(spec) && !/\.(m|c)?[tj]sx?$/.test(spec);
}

/**
 * The module an engine factory spec names: a TypeScript module of the engine directory, or the port of
 * a known upstream factory (its module key is stable across installations, its entry point is the
 * port's source in this runtime). The spec is kept as given, so engine instances record upstream's name.
 */
export function engineFactoryReference(spec: string): ModuleReference {
  const known = upstreamFactoryOf(spec);
  if (known) {
    const sourceRoot = portedTemplateDir(known.port);
    return {
      spec,
      modulePath: `pio-deploy/templates/engines/${known.port}/${PORT_FACTORY_MODULE}`,
      exportName: PORT_FACTORY_EXPORT,
      entryPoint: join(sourceRoot, PORT_FACTORY_MODULE),
      sourceRoot,
    };
  }
  if (looksLikeJvmClass(spec)) {
    throw new EngineWorkflowError(
      `engineFactory ${spec} is a Scala/Java class, and the native runtime has no port of it. ` +
        `It runs TypeScript engines ("src/engine.ts#createEngine") and the ports of: ` +
        `${UPSTREAM_FACTORIES.map((entry) => entry.engineFactory).join(', ')}. ` +
        `Build this engine with Apache PredictionIO (PIO_DISTRIBUTION=apache), or port it (CUSTOM.md).`,
    );
  }
  return parseModuleReference(spec, 'engine factory');
}

/** The console line `pio build` prints for a port (undefined for an engine of the directory's own code). */
export function portAnnouncement(spec: string, variantLabel: string): string | undefined {
  const known = upstreamFactoryOf(spec);
  if (!known) return undefined;
  return `engineFactory ${spec} (${known.upstream}): using the native runtime's TypeScript port "${known.port}" with the params of ${variantLabel}.`;
}

/** The upstream engine's Scala build files present in the engine directory (which a port does not use). */
export async function upstreamScalaFiles(engineDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(engineDir).catch(() => [] as string[])) if (entry.endsWith('.sbt')) found.push(entry);
  for (const dir of ['project', 'src/main/scala', 'src/test/scala']) if (await pathExists(join(engineDir, dir))) found.push(`${dir}/`);
  return found.sort();
}
