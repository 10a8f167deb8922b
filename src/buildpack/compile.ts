import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../lib/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import { ArtifactCache } from '../distributions/cache.js';
import { DISTRIBUTION_DIR, installDistribution } from '../distributions/install.js';
import { formatBytes } from '../distributions/progress.js';
import { JDK_DIR } from '../distributions/jdk.js';
import { chooseAndPlan, NATIVE_CLI_MAIN, sameRuntime, setUpJdk, type JdkSetup } from './compile-steps.js';
import { buildEngineOf, obtainContextFor, readAppShape, runBuildSession, type BuildProcess, type BuildSession } from './compile-session.js';
import { VENDOR_DIR, diskUsage, vendorPioDeploy } from './compile-vendor.js';
import { PROFILE_SCRIPT_PATH, writeProfileScript } from './profile-d.js';
import { ensureProcfile } from './procfile.js';

/** `sourceRoot` is copied into the slug, and so is `nodeHome` when bin/compile downloaded a Node. */
export interface CompileOptions extends BuildProcess {
  buildDir: string;
  cacheDir: string;
  envDir?: string | undefined;
}

export interface CompileSummary {
  downloadedBytes: number;
  distribution: string;
  procfile: 'kept' | 'written';
}

/**
 * `bin/compile BUILD_DIR CACHE_DIR ENV_DIR` after Node was found: installs the distribution, vendors
 * pio-deploy, builds the engine, writes the Procfile and .profile.d, and removes build leftovers.
 * Everything printed goes through a redactor that knows the build's secret values.
 */
export async function compile(options: CompileOptions): Promise<CompileSummary> {
  const buildDir = await existingDir(options.buildDir, 'BUILD_DIR');
  const cacheDir = resolve(options.cacheDir);
  await mkdir(cacheDir, { recursive: true });

  return runBuildSession(options, (session) => compileApp({ ...options, buildDir, cacheDir }, session));
}

async function compileApp(options: CompileOptions & { buildDir: string; cacheDir: string }, session: BuildSession): Promise<CompileSummary> {
  const { buildDir } = options;
  const { env, settings, output } = session;
  const shape = await readAppShape(buildDir, settings);
  const { hints, role } = shape;
  const cache = new ArtifactCache(options.cacheDir);
  const context = obtainContextFor(session, cache);
  const { choice, plan, nativePack } = await chooseAndPlan({ settings, hints, role, env, sourceRoot: options.sourceRoot, cache, output });
  let installed;
  try {
    installed = await installDistribution(plan, buildDir, context);
  } finally {
    await nativePack?.cleanup();
  }
  output.detail(`Installed into ${DISTRIBUTION_DIR}/ (${formatBytes(installed.downloadedBytes)} downloaded)`);
  const used = installed.manifest.artifacts.map((artifact) => artifact.sha512);

  let jdk: JdkSetup = { javaHome: undefined };
  if (choice.kind === 'apache') {
    jdk = await setUpJdk(join(buildDir, JDK_DIR), buildDir, env, context);
    if (jdk.sha512) used.push(jdk.sha512);
  }
  const pruned = await cache.retainOnly(used);
  if (pruned > 0) output.detail(`Removed ${pruned} unused file${pruned === 1 ? '' : 's'} from the build cache`);

  output.topic('Installing pio-deploy');
  const runtimeMain = (await sameRuntime(installed.dir, options.sourceRoot))
    ? `../../${DISTRIBUTION_DIR}/${NATIVE_CLI_MAIN}`
    : undefined;
  const vendored = await vendorPioDeploy(options.sourceRoot, buildDir, { nodeHome: options.nodeHome, runtimeMain });
  output.detail(
    (runtimeMain
      ? `${VENDOR_DIR}/: launcher for the runtime in ${DISTRIBUTION_DIR}/lib/pio-deploy, ${formatBytes(vendored.bytes)}`
      : `${VENDOR_DIR}/: ${vendored.packages} packages, ${formatBytes(vendored.bytes)}`) +
      (vendored.nodeVendored ? ' (includes Node)' : ''),
  );

  await buildEngineOf(session, shape, { appDir: buildDir, distDir: installed.dir, nodeHome: options.nodeHome, javaHome: jdk.javaHome });

  output.topic(role === 'engine' ? 'Configuring the engine app' : 'Configuring the event server app');
  const procfile = await ensureProcfile(buildDir, role);
  output.detail(procfile === 'kept' ? "Using the app's Procfile" : `Wrote Procfile (${role} processes)`);
  await writeProfileScript(buildDir);
  output.detail(`Wrote ${PROFILE_SCRIPT_PATH}`);

  output.topic('Cleaning up');
  const removed = await removeLeftovers(buildDir);
  if (removed.length > 0) output.detail(`Removed ${removed.join(', ')}`);
  output.detail(
    `Slug parts: ${DISTRIBUTION_DIR}/ ${formatBytes(await diskUsage(installed.dir))}, ` +
      `${VENDOR_DIR}/ ${formatBytes(vendored.bytes)}` +
      (jdk.sha512 ? `, ${JDK_DIR}/ ${formatBytes(await diskUsage(join(buildDir, JDK_DIR)))}` : ''),
  );
  return { downloadedBytes: installed.downloadedBytes, distribution: plan.title, procfile };
}

/** Build by-products that must not reach the slug (BEHAVIOUR.md#original-build-flow step 9, BEHAVIOUR.md#slug-contents). */
const LEFTOVERS = [
  'target/streams',
  `${DISTRIBUTION_DIR}/vendors/spark-hadoop/examples`,
  `${DISTRIBUTION_DIR}/vendors/spark-hadoop/data`,
  `${DISTRIBUTION_DIR}/vendors/spark-hadoop/R`,
];

export async function removeLeftovers(buildDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const path of LEFTOVERS) {
    if (await pathExists(join(buildDir, path))) {
      await rm(join(buildDir, path), { recursive: true, force: true });
      removed.push(path);
    }
  }
  // Staging dirs of an interrupted earlier run (ours clean up after themselves).
  for (const entry of await readdir(buildDir)) {
    if (/^\.(PredictionIO-dist|pio-deploy)\.staging-/.test(entry)) {
      await rm(join(buildDir, entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  return removed;
}

async function existingDir(path: string, name: string): Promise<string> {
  const absolute = isAbsolute(path) ? path : resolve(path);
  try {
    if ((await stat(absolute)).isDirectory()) return absolute;
  } catch {
    // reported below
  }
  throw new UserError(`${name} ${path} is not a directory.`, {
    hint: 'Run as bin/compile BUILD_DIR CACHE_DIR ENV_DIR with the app checkout as BUILD_DIR.',
  });
}
