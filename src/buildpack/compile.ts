import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { UserError, isUserError } from '../lib/errors.js';
import { createOutput, type Output } from '../lib/output.js';
import { ArtifactCache } from '../distributions/cache.js';
import { DEFAULT_FETCH_OPTIONS, type FetchOptions } from '../distributions/fetch.js';
import { DISTRIBUTION_DIR, installDistribution } from '../distributions/install.js';
import { formatBytes } from '../distributions/progress.js';
import { redactSecrets, secretValuesOf } from '../distributions/redact.js';
import { readEngineHints } from '../distributions/select.js';
import { JDK_DIR } from '../distributions/jdk.js';
import type { ObtainContext } from '../distributions/obtain.js';
import { chooseAndPlan, NATIVE_CLI_MAIN, sameRuntime, setUpJdk, type JdkSetup } from './compile-steps.js';
import { buildEngine } from './compile-engine.js';
import { compileSettingsFrom } from './compile-settings.js';
import { VENDOR_DIR, diskUsage, vendorPioDeploy } from './compile-vendor.js';
import { readEnvDir } from './env-dir.js';
import { PROFILE_SCRIPT_PATH, writeProfileScript } from './profile-d.js';
import { appRole, ensureProcfile } from './procfile.js';

export interface CompileOptions {
  buildDir: string;
  cacheDir: string;
  envDir?: string | undefined;
  /** The pio-deploy checkout the buildpack runs from (copied into the slug). */
  sourceRoot: string;
  /** A Node downloaded by bin/compile, to vendor into the slug. */
  nodeHome?: string | undefined;
  processEnv: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY?: boolean;
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

  const envDir = await readEnvDir(options.envDir);
  const env: Record<string, string | undefined> = { ...options.processEnv, ...envDir.vars };
  // Secrets are collected before anything is validated, so even error messages are scrubbed.
  const secrets = secretValuesOf(envDir.vars);
  const stdout = redactingStream(options.stdout, () => secrets);
  const stderr = redactingStream(options.stderr, () => secrets);
  const output = createOutput(stdout, stderr);
  try {
    return await compileApp({ ...options, buildDir, cacheDir }, env, envDir.ignored, secrets, output, stdout);
  } catch (error) {
    if (isUserError(error)) {
      throw new UserError(redactSecrets(error.message, secrets), {
        hint: error.hint === undefined ? undefined : redactSecrets(error.hint, secrets),
        exitCode: error.exitCode,
      });
    }
    throw error;
  }
}

async function compileApp(
  options: CompileOptions & { buildDir: string; cacheDir: string },
  env: Record<string, string | undefined>,
  ignoredVars: string[],
  secrets: string[],
  output: Output,
  stdout: NodeJS.WritableStream,
): Promise<CompileSummary> {
  const { buildDir } = options;
  const settings = compileSettingsFrom(env);
  secrets.push(...settings.secrets);
  if (ignoredVars.length > 0) output.detail(`Config vars not used by the build: ${ignoredVars.join(', ')}`);
  for (const warning of settings.warnings) output.warn(warning);

  const hints = await readEngineHints(buildDir);
  const hasEngineJson = await exists(join(buildDir, 'engine.json'));
  const role = appRole({ hasEngineJson, runAsEventServer: settings.runAsEventServer });
  const cache = new ArtifactCache(options.cacheDir);
  const context: ObtainContext = {
    cache,
    output,
    fetch: fetchOptionsFrom(env),
    write: (text) => stdout.write(text),
    isTTY: options.isTTY ?? false,
  };
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

  // An event-server app never runs the engine, so its code is not built (it may not even be a native engine).
  if (hasEngineJson && role === 'engine') {
    output.topic('Building the engine (pio build)');
    await buildEngine({
      appDir: buildDir,
      distDir: installed.dir,
      env: buildEnv(env, installed.dir, options.nodeHome, jdk.javaHome),
      verbose: settings.verbose,
      mavenRepo: settings.mavenRepo,
      secrets,
      output,
      stdout,
    });
    output.detail('Engine built');
  }

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

/** The engine build sees the platform's environment plus the allowed config vars and the dist's tools. */
export function buildEnv(
  env: Record<string, string | undefined>,
  distDir: string,
  nodeHome: string | undefined,
  javaHome: string | undefined,
): Record<string, string | undefined> {
  const path = [
    join(distDir, 'bin'),
    ...(javaHome ? [join(javaHome, 'bin')] : []),
    ...(nodeHome ? [join(nodeHome, 'bin')] : []),
    env.PATH ?? '',
  ].filter(Boolean);
  return { ...env, PATH: path.join(':'), PIO_HOME: distDir, ...(javaHome ? { JAVA_HOME: javaHome } : {}) };
}

/** Build by-products that must not reach the slug (spec §3.3 step 9, §4 W17). */
const LEFTOVERS = [
  'target/streams',
  `${DISTRIBUTION_DIR}/vendors/spark-hadoop/examples`,
  `${DISTRIBUTION_DIR}/vendors/spark-hadoop/data`,
  `${DISTRIBUTION_DIR}/vendors/spark-hadoop/R`,
];

export async function removeLeftovers(buildDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const path of LEFTOVERS) {
    if (await exists(join(buildDir, path))) {
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

export function fetchOptionsFrom(env: Record<string, string | undefined>): FetchOptions {
  const number = (name: string, fallback: number, min: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new UserError(`${name} must be a whole number ≥ ${min} (got "${raw}").`);
    }
    return value;
  };
  return {
    attempts: number('PIO_DEPLOY_FETCH_ATTEMPTS', DEFAULT_FETCH_OPTIONS.attempts, 1),
    retryBaseMs: number('PIO_DEPLOY_FETCH_RETRY_MS', DEFAULT_FETCH_OPTIONS.retryBaseMs, 0),
    idleTimeoutMs: number('PIO_DEPLOY_FETCH_IDLE_TIMEOUT_MS', DEFAULT_FETCH_OPTIONS.idleTimeoutMs, 100),
  };
}

export function redactingStream(target: NodeJS.WritableStream, secrets: () => string[]): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      target.write(redactSecrets(chunk.toString('utf8'), secrets()));
      callback();
    },
  });
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
