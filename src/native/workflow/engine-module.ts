import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { EngineWorkflowError } from './errors.js';
import { engineApiEntry, runtimeNodeModules, runtimeVersion } from './runtime-paths.js';

/**
 * Engine code is TypeScript in the engine directory. `pio build` bundles each module an engine command
 * names (engine.json's `engineFactory`, `pio eval`'s evaluation) with esbuild into `target/`, resolving
 * `pio-deploy/engine` and shared libraries (zod, ml-matrix, …) from this runtime's installation, so an
 * app needs no node_modules. The bundle holds only relative paths and loads after the app moves
 * (BUILD_DIR at build, /app at run time). A manifest records each bundle's inputs with content hashes;
 * commands reuse a bundle whose engine-directory inputs are unchanged and rebuild it otherwise.
 */

export const TARGET_DIR = 'target';
export const ENGINE_BUNDLE = 'engine.mjs';
const MANIFEST = 'manifest.json';
const MANIFEST_FORMAT = 'pio-ts-engine-build/1' as const;

/** `src/engine.ts#createEngine` → module `src/engine.ts`, export `createEngine` (default export if none). */
export interface ModuleReference {
  spec: string;
  /** The module's key in the manifest: a path relative to the engine directory for its own code. */
  modulePath: string;
  exportName: string;
  /** Absolute file to bundle when the module is not the engine directory's (a port shipped with the runtime). */
  entryPoint?: string | undefined;
  /** Directory outside the engine directory whose files count as the bundle's inputs (the port's). */
  sourceRoot?: string | undefined;
}

export function parseModuleReference(spec: string, what: string): ModuleReference {
  const hash = spec.lastIndexOf('#');
  const modulePath = hash >= 0 ? spec.slice(0, hash) : spec;
  const exportName = hash >= 0 ? spec.slice(hash + 1) : 'default';
  if (!/\.(m|c)?[tj]sx?$/.test(modulePath) || isAbsolute(modulePath) || exportName === '') {
    throw new EngineWorkflowError(
      `Unable to resolve ${what} '${spec}': name a TypeScript module relative to the engine directory, ` +
        `optionally with an export, e.g. "src/engine.ts#createEngine".`,
    );
  }
  return { spec, modulePath, exportName };
}

export interface BundleEntry {
  module: string;
  bundle: string;
  contentHash: string;
  inputs: Record<string, string>;
}
export interface BuildManifest {
  format: typeof MANIFEST_FORMAT;
  runtimeVersion: string;
  engineId?: string | undefined;
  engineVariant?: string | undefined;
  builtAt?: string | undefined;
  bundles: BundleEntry[];
}

// The manifest is our own build output, read by every engine command: checked with plain code rather
// than zod, which would be loaded only for this on `pio deploy`'s start path (bench/startup).
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';

function isBundleEntry(value: unknown): value is BundleEntry {
  return (
    isRecord(value) &&
    typeof value.module === 'string' &&
    typeof value.bundle === 'string' &&
    typeof value.contentHash === 'string' &&
    isRecord(value.inputs) &&
    Object.values(value.inputs).every((hash) => typeof hash === 'string')
  );
}

function isBuildManifest(value: unknown): value is BuildManifest {
  return (
    isRecord(value) &&
    value.format === MANIFEST_FORMAT &&
    typeof value.runtimeVersion === 'string' &&
    isOptionalString(value.engineId) &&
    isOptionalString(value.engineVariant) &&
    isOptionalString(value.builtAt) &&
    Array.isArray(value.bundles) &&
    value.bundles.every(isBundleEntry)
  );
}

async function readManifest(engineDir: string): Promise<BuildManifest | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(engineDir, TARGET_DIR, MANIFEST), 'utf8'));
    return isBuildManifest(parsed) && parsed.runtimeVersion === runtimeVersion() ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function fileHash(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex');
  } catch {
    return undefined;
  }
}

function contentHashOf(inputs: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(inputs).sort()) hash.update(`${key}\0${inputs[key]}\0`);
  return hash.digest('hex').slice(0, 16);
}

async function isFresh(engineDir: string, entry: BundleEntry): Promise<boolean> {
  if (!(await stat(join(engineDir, entry.bundle)).catch(() => undefined))) return false;
  for (const [input, hash] of Object.entries(entry.inputs)) {
    // A source that is gone (e.g. left out of a slug) cannot have changed the bundle; only edits count.
    const current = await fileHash(join(engineDir, input));
    if (current !== undefined && current !== hash) return false;
  }
  return true;
}

/**
 * `target/engine.mjs` for engine.json's engine factory module (set by `pio build`), else a path of its
 * own per module, so bundles of different modules never overwrite each other.
 */
function bundlePathFor(modulePath: string, isEngineFactory: boolean | undefined, previous: BuildManifest | undefined): string {
  if (isEngineFactory) return `${TARGET_DIR}/${ENGINE_BUNDLE}`;
  const existing = previous?.bundles.find((entry) => entry.module === modulePath);
  if (existing && isEngineFactory === undefined) return existing.bundle;
  const stem = modulePath.replace(/\.(m|c)?[tj]sx?$/, '').replace(/[^A-Za-z0-9_-]+/g, '_');
  return `${TARGET_DIR}/modules/${stem}.mjs`;
}

export interface BuildOptions {
  engineDir: string;
  /** `isEngineFactory` true: bundle to target/engine.mjs; undefined: keep the module's previous path. */
  modules: Array<Pick<ModuleReference, 'modulePath' | 'entryPoint' | 'sourceRoot'> & { isEngineFactory?: boolean | undefined }>;
  engineId?: string | undefined;
  engineVariant?: string | undefined;
}

export interface BuildResult {
  manifest: BuildManifest;
  /** Milliseconds spent in esbuild. */
  elapsedMs: number;
}

/** Bundles the modules with esbuild and writes the manifest (each file replaced atomically). */
export async function buildEngineModules(options: BuildOptions): Promise<BuildResult> {
  const { build, formatMessages } = await import('esbuild');
  const { engineDir } = options;
  const previous = await readManifest(engineDir);
  const planned = options.modules.map(({ modulePath, isEngineFactory, entryPoint, sourceRoot }) => ({
    modulePath,
    entryPoint: entryPoint ?? resolve(engineDir, modulePath),
    sourceRoot,
    bundle: bundlePathFor(modulePath, isEngineFactory, previous),
  }));
  const bundles: BundleEntry[] = (previous?.bundles ?? []).filter(
    (entry) => !planned.some((module) => module.modulePath === entry.module || module.bundle === entry.bundle),
  );
  const started = performance.now();
  for (const { modulePath, entryPoint, sourceRoot, bundle } of planned) {
    if (!(await stat(entryPoint).catch(() => undefined))) {
      throw new EngineWorkflowError(
        sourceRoot
          ? `Engine module ${entryPoint} is not part of this installation of the runtime: it cannot build ${modulePath}.`
          : `Engine module ${modulePath} not found in ${engineDir}. Check engineFactory in engine.json.`,
      );
    }
    const result = await build({
      entryPoints: [entryPoint],
      absWorkingDir: engineDir,
      outfile: join(engineDir, bundle),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      nodePaths: [runtimeNodeModules],
      // CommonJS dependencies call require(); ESM output has none unless we create one.
      banner: { js: "import { createRequire as __pioCreateRequire } from 'node:module';\nconst require = __pioCreateRequire(import.meta.url);" },
      plugins: [
        {
          name: 'pio-deploy-engine-api',
          setup(builder) {
            builder.onResolve({ filter: /^pio-deploy\/engine$/ }, () => ({ path: engineApiEntry }));
          },
        },
      ],
    }).catch(async (error: Error & { errors?: Parameters<typeof formatMessages>[0] }) => {
      const messages = error.errors ? await formatMessages(error.errors, { kind: 'error', color: false }) : [String(error)];
      throw new EngineWorkflowError(`Compilation of ${modulePath} failed:\n${messages.join('').trimEnd()}`);
    });
    for (const file of result.outputFiles) await writeFileAtomic(file.path, file.contents);
    const inputs: Record<string, string> = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      const absolute = resolve(engineDir, input);
      const rel = relative(engineDir, absolute);
      if (isAbsolute(rel) || rel.split(sep).includes('node_modules')) continue;
      // A port's sources are recorded relative to the engine directory too: the buildpack moves the app
      // and the runtime in it together, so the path stays right (and a missing file counts as unchanged).
      if (rel.startsWith('..') && !(sourceRoot && isInside(sourceRoot, absolute))) continue;
      inputs[rel] = (await fileHash(absolute)) ?? '';
    }
    bundles.push({ module: modulePath, bundle, contentHash: contentHashOf(inputs), inputs });
  }
  const manifest: BuildManifest = {
    format: MANIFEST_FORMAT,
    runtimeVersion: runtimeVersion(),
    engineId: options.engineId ?? previous?.engineId,
    engineVariant: options.engineVariant ?? previous?.engineVariant,
    builtAt: new Date().toISOString(),
    bundles,
  };
  await writeFileAtomic(join(engineDir, TARGET_DIR, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, elapsedMs: performance.now() - started };
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export async function cleanTarget(engineDir: string): Promise<void> {
  await rm(join(engineDir, TARGET_DIR), { recursive: true, force: true });
}

/**
 * The module's exports, from its bundle: reused when its inputs are unchanged, else rebuilt first
 * (`onBuild` is told so the command can say it). Import URLs carry the content hash so a rebuilt bundle
 * is really reloaded within one process.
 */
export async function loadEngineModule(
  engineDir: string,
  reference: ModuleReference,
  options: { onBuild?: (modulePath: string) => void } = {},
): Promise<{ exports: Record<string, unknown>; entry: BundleEntry }> {
  const manifest = await readManifest(engineDir);
  let entry = manifest?.bundles.find((bundle) => bundle.module === reference.modulePath);
  if (!entry || !(await isFresh(engineDir, entry))) {
    options.onBuild?.(reference.modulePath);
    const { manifest: rebuilt } = await buildEngineModules({
      engineDir,
      modules: [{ modulePath: reference.modulePath, entryPoint: reference.entryPoint, sourceRoot: reference.sourceRoot }],
    });
    entry = rebuilt.bundles.find((bundle) => bundle.module === reference.modulePath);
    if (!entry) throw new EngineWorkflowError(`No engine found. Your build might have failed. Aborting.`);
  }
  const url = `${pathToFileURL(join(engineDir, entry.bundle)).href}?h=${entry.contentHash}`;
  const exports = (await import(url)) as Record<string, unknown>;
  return { exports, entry };
}

/** The named export, or an error naming the module and the exports it does have. */
export function pickExport(exports: Record<string, unknown>, reference: ModuleReference, what: string): unknown {
  const value = exports[reference.exportName];
  if (value === undefined) {
    const available = Object.keys(exports).filter((name) => name !== '__esModule');
    throw new EngineWorkflowError(
      `Unable to find ${what} '${reference.spec}': ${reference.modulePath} has no export '${reference.exportName}'` +
        (available.length > 0 ? ` (it exports: ${available.join(', ')}).` : '.'),
    );
  }
  return value;
}
