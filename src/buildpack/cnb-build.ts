import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { pathExists } from '../lib/fs-checks.js';
import { ArtifactCache } from '../distributions/cache.js';
import { DISTRIBUTION_DIR, installDistributionTo } from '../distributions/install.js';
import { installJdk, planJdk, providedJava8 } from '../distributions/jdk.js';
import { nativeDistributionTitle, prepareNativePack } from '../distributions/native-distribution.js';
import type { ObtainContext } from '../distributions/obtain.js';
import { nativePackKey, packageVersion } from '../distributions/pack.js';
import { planDistribution } from '../distributions/plan.js';
import { formatBytes } from '../distributions/progress.js';
import { removeLeftovers } from './compile.js';
import { buildEngineOf, obtainContextFor, readAppShape, runBuildSession, type BuildProcess, type BuildSession } from './compile-session.js';
import { chooseForApp, nativeFromCheckout, NATIVE_CLI_MAIN, optionalParts, sameRuntime } from './compile-steps.js';
import { VENDOR_DIR, diskUsage, vendorPioDeploy, writeRuntimeLauncher } from './compile-vendor.js';
import type { AppRole } from '../config/app-role.js';

/**
 * Layers this buildpack writes (each `<name>/` with `<name>.toml`):
 *  - `node`          the downloaded Node (launch, cache), only when no other buildpack's layer has one;
 *  - `artifacts`     the verified-download cache (cache only), the CNB counterpart of CACHE_DIR;
 *  - `distribution`  PredictionIO-dist (launch, cache), reused while its metadata matches the plan;
 *  - `jdk`           Java 8 for Apache distributions (launch, cache), unless a JVM buildpack provides one;
 *  - `pio-deploy`    the pio-deploy CLI the processes run (launch).
 */
export const LAYERS = { node: 'node', artifacts: 'artifacts', distribution: 'distribution', jdk: 'jdk', pioDeploy: 'pio-deploy' } as const;

/** `nodeHome`, when bin/build downloaded a Node, is inside the `node` layer. */
export interface CnbBuildOptions extends BuildProcess {
  appDir: string;
  layersDir: string;
  platformDir: string;
}

export interface CnbBuildSummary {
  distribution: string;
  reusedDistribution: boolean;
  downloadedBytes: number;
  processes: string[];
}

interface LayerTypes {
  launch: boolean;
  cache: boolean;
  build: boolean;
}

type Metadata = Record<string, string | number | boolean | Metadata[] | { [key: string]: unknown }>;

/**
 * `bin/build` of the Cloud Native Buildpack: the same choice, verification and install steps as the
 * classic compile, with layers instead of CACHE_DIR and launch.toml instead of Procfile/.profile.d.
 */
export async function cnbBuild(options: CnbBuildOptions): Promise<CnbBuildSummary> {
  const envDir = join(options.platformDir, 'env');
  return runBuildSession({ ...options, envDir: (await isDir(envDir)) ? envDir : undefined }, (session) => build(options, session));
}

async function build(options: CnbBuildOptions, session: BuildSession): Promise<CnbBuildSummary> {
  const appDir = resolve(options.appDir);
  const layersDir = resolve(options.layersDir);
  const { env, settings, output } = session;

  await writeNodeLayer(layersDir, options.nodeHome);

  const shape = await readAppShape(appDir, settings);
  const { hints, role } = shape;
  const cache = new ArtifactCache(join(layersDir, LAYERS.artifacts));
  await writeLayerToml(layersDir, LAYERS.artifacts, { launch: false, cache: true, build: false }, {});
  const context = obtainContextFor(session, cache);

  // The distribution layer: reused as is when the plan is the one it was installed from.
  const choice = chooseForApp({ settings, hints, role });
  const parts = optionalParts(settings);
  const fromCheckout = nativeFromCheckout(choice, env);
  const upfrontPlan = fromCheckout ? undefined : planDistribution(choice, parts, env);
  const identity = fromCheckout
    ? digestOf({ kind: 'native', source: 'buildpack', key: await nativePackKey(options.sourceRoot, true) })
    : digestOf({
        kind: upfrontPlan?.kind,
        version: upfrontPlan?.version,
        // Hashes only: URLs may carry credentials, and layer metadata ends up in the image's labels.
        artifacts: upfrontPlan?.artifacts.map((a) => [a.name, digestOf(a.url), a.sha512 ?? a.sha256 ?? '']),
      });
  const title = upfrontPlan?.title ?? nativeDistributionTitle(await packageVersion(options.sourceRoot));
  output.topic(`Installing ${title}`);
  output.detail(`Chosen: ${choice.reason}`);
  for (const warning of choice.warnings) output.warn(warning);

  const distDir = join(layersDir, LAYERS.distribution);
  const previous = await readLayerMetadata(layersDir, LAYERS.distribution);
  let distMetadata: Metadata;
  let downloadedBytes = 0;
  const reused = previous?.identity === identity && (await pathExists(join(distDir, 'bin', 'pio')));
  if (reused && previous) {
    output.detail(`Reusing the ${LAYERS.distribution} layer (same plan as the previous build)`);
    distMetadata = previous;
  } else {
    const nativePack = fromCheckout ? await prepareNativePack(options.sourceRoot, cache, output) : undefined;
    try {
      const plan = upfrontPlan ?? planDistribution(choice, parts, env, { nativePack: nativePack?.pack });
      const installed = await installDistributionTo(plan, distDir, context);
      downloadedBytes += installed.downloadedBytes;
      distMetadata = {
        identity,
        kind: plan.kind,
        version: plan.version,
        title: plan.title,
        sha512: installed.manifest.artifacts[0]?.sha512 ?? '',
        artifacts: installed.manifest.artifacts.map((artifact) => ({ name: artifact.name, sha512: artifact.sha512 })),
      };
      output.detail(`Installed into the ${LAYERS.distribution} layer (${formatBytes(installed.downloadedBytes)} downloaded)`);
    } finally {
      await nativePack?.cleanup();
    }
  }
  await writeLayerToml(layersDir, LAYERS.distribution, { launch: true, cache: true, build: false }, distMetadata);
  // pio-deploy's runtime commands look for <app>/PredictionIO-dist: point it at the layer (same path at launch).
  await replaceWithSymlink(join(appDir, DISTRIBUTION_DIR), distDir);
  const keep = new Set(artifactDigests(distMetadata));

  let javaHome: string | undefined;
  if (choice.kind === 'apache') {
    const jdk = await jdkLayer(layersDir, appDir, env, context);
    javaHome = jdk.javaHome;
    downloadedBytes += jdk.downloadedBytes;
    if (jdk.sha512) keep.add(jdk.sha512);
  } else {
    await removeLayer(layersDir, LAYERS.jdk);
  }
  await cache.retainOnly(keep);

  output.topic('Installing pio-deploy');
  const pioDeployDir = join(layersDir, LAYERS.pioDeploy);
  if (await sameRuntime(distDir, options.sourceRoot)) {
    await rm(pioDeployDir, { recursive: true, force: true });
    await writeRuntimeLauncher(join(pioDeployDir, 'bin', 'pio-deploy'), pathToFileURL(join(distDir, NATIVE_CLI_MAIN)).href);
    output.detail(`${LAYERS.pioDeploy} layer: launcher for the runtime in the ${LAYERS.distribution} layer`);
  } else {
    const staging = await mkdtemp(join(layersDir, '.pio-deploy-vendor-'));
    try {
      const vendored = await vendorPioDeploy(options.sourceRoot, staging);
      await rm(pioDeployDir, { recursive: true, force: true });
      await rename(join(staging, VENDOR_DIR), pioDeployDir);
      output.detail(`${LAYERS.pioDeploy} layer: ${vendored.packages} packages, ${formatBytes(vendored.bytes)}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  await writeLayerToml(layersDir, LAYERS.pioDeploy, { launch: true, cache: false, build: false }, {
    version: await packageVersion(options.sourceRoot),
  });

  await buildEngineOf(session, shape, { appDir, distDir, nodeHome: options.nodeHome, javaHome });

  const processes = launchProcesses(role);
  await writeFileAtomic(join(layersDir, 'launch.toml'), `${stringifyToml({ processes })}\n`);
  output.topic(role === 'engine' ? 'Configuring the engine app' : 'Configuring the event server app');
  output.detail(`launch.toml processes: ${processes.map((process) => process.type).join(', ')} (default: web)`);
  const removed = await removeLeftovers(appDir);
  if (removed.length > 0) output.detail(`Removed ${removed.join(', ')}`);
  output.detail(`Layer sizes: ${LAYERS.distribution} ${formatBytes(await diskUsage(distDir))}`);
  return { distribution: title, reusedDistribution: reused, downloadedBytes, processes: processes.map((p) => p.type) };
}

/**
 * Processes for launch.toml. Buildpack API ≥ 0.9 processes are direct (no shell, no .profile.d), so
 * everything they need comes from layer env (PATH from each layer's bin/, JAVA_HOME from env.launch/).
 * CNB has no release phase: `release` is a process to run once per deploy (a one-off, a Job, an init
 * container), or `web` runs it first when PIO_RELEASE_ON_BOOT=true (single-instance deployments).
 */
export function launchProcesses(role: AppRole): { type: string; command: string[]; default?: boolean }[] {
  const web = {
    type: 'web',
    command: [
      'bash',
      '-c',
      'if [ "${PIO_RELEASE_ON_BOOT:-}" = "true" ]; then pio-deploy release || exit $?; fi; exec pio-deploy web',
    ],
    default: true,
  };
  const release = { type: 'release', command: ['pio-deploy', 'release'] };
  if (role === 'eventserver') return [web, release];
  return [web, { type: 'train', command: ['pio-deploy', 'train'] }, release];
}

/** The Node bin/build downloaded (into the `node` layer) must exist at launch: launch + cache, on PATH. */
async function writeNodeLayer(layersDir: string, nodeHome: string | undefined): Promise<void> {
  const layer = join(layersDir, LAYERS.node);
  const inLayer = nodeHome !== undefined && resolve(nodeHome).startsWith(`${layer}${sep}`);
  if (!inLayer) {
    await removeLayer(layersDir, LAYERS.node);
    return;
  }
  const home = resolve(nodeHome);
  // Older Node builds from earlier builds of this app: only the one in use is kept in the cache.
  for (const entry of await readdir(dirname(home)).catch(() => [] as string[])) {
    if (entry !== basename(home)) await rm(join(dirname(home), entry), { recursive: true, force: true });
  }
  await rm(join(layer, 'env.launch'), { recursive: true, force: true });
  await writeFileAtomic(join(layer, 'env.launch', 'PATH.prepend'), join(home, 'bin'));
  await writeFileAtomic(join(layer, 'env.launch', 'PATH.delim'), ':');
  await writeLayerToml(layersDir, LAYERS.node, { launch: true, cache: true, build: false }, { sha256: basename(home) });
}

/** Java 8 in the `jdk` layer (reused while its plan is unchanged), unless another buildpack's layer has one. */
async function jdkLayer(
  layersDir: string,
  appDir: string,
  env: Record<string, string | undefined>,
  context: ObtainContext,
): Promise<{ javaHome: string | undefined; sha512?: string; downloadedBytes: number }> {
  const { output } = context;
  const layersRoot = dirname(layersDir);
  const fromOtherLayer = (java: string) => java.startsWith(`${layersRoot}${sep}`) && !java.startsWith(`${layersDir}${sep}`);
  const provided = env.JDK_URL?.trim() ? undefined : await providedJava8(appDir, env, fromOtherLayer);
  if (provided) {
    output.topic(`Using Java ${provided.version} (provided by another buildpack: ${provided.path})`);
    await removeLayer(layersDir, LAYERS.jdk);
    return { javaHome: undefined, downloadedBytes: 0 };
  }
  const spec = planJdk(env);
  const identity = digestOf([spec.name, digestOf(spec.url), spec.sha512 ?? spec.sha256 ?? '']);
  const dir = join(layersDir, LAYERS.jdk);
  const previous = await readLayerMetadata(layersDir, LAYERS.jdk);
  output.topic(`Installing Java 8 (${spec.title})`);
  let metadata: Metadata;
  let downloadedBytes = 0;
  if (previous?.identity === identity && typeof previous.sha512 === 'string' && (await pathExists(join(dir, 'bin', 'java')))) {
    output.detail(`Reusing the ${LAYERS.jdk} layer`);
    metadata = previous;
  } else {
    const installed = await installJdk(spec, dir, context);
    downloadedBytes = installed.downloadedBytes;
    metadata = { identity, version: installed.java.version, sha512: installed.sha512 };
    output.detail(`Installed Java ${installed.java.version}`);
  }
  await writeFileAtomic(join(dir, 'env.launch', 'JAVA_HOME.override'), dir);
  await writeLayerToml(layersDir, LAYERS.jdk, { launch: true, cache: true, build: false }, metadata);
  return { javaHome: dir, sha512: metadata.sha512 as string, downloadedBytes };
}

async function writeLayerToml(layersDir: string, name: string, types: LayerTypes, metadata: Metadata): Promise<void> {
  await writeFileAtomic(join(layersDir, `${name}.toml`), `${stringifyToml({ types, metadata })}\n`);
}

/** The `[metadata]` of a layer as restored by the lifecycle (without `[types]`), if any. */
export async function readLayerMetadata(layersDir: string, name: string): Promise<Metadata | undefined> {
  try {
    const parsed = parseToml(await readFile(join(layersDir, `${name}.toml`), 'utf8')) as { metadata?: Metadata };
    return parsed.metadata;
  } catch {
    return undefined;
  }
}

async function removeLayer(layersDir: string, name: string): Promise<void> {
  await rm(join(layersDir, name), { recursive: true, force: true });
  await rm(join(layersDir, `${name}.toml`), { force: true });
}

function artifactDigests(metadata: Metadata): string[] {
  const artifacts = Array.isArray(metadata.artifacts) ? metadata.artifacts : [];
  return artifacts
    .map((artifact) => (artifact as { sha512?: unknown }).sha512)
    .filter((digest): digest is string => typeof digest === 'string' && digest !== '');
}

async function replaceWithSymlink(path: string, target: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing) await rm(path, { recursive: true, force: true });
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, path);
}

function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
