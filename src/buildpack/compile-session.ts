import { join } from 'node:path';
import { Writable } from 'node:stream';
import { UserError, isUserError } from '../lib/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import { createOutput, type Output } from '../lib/output.js';
import type { ArtifactCache } from '../distributions/cache.js';
import { DEFAULT_FETCH_OPTIONS, type FetchOptions } from '../distributions/fetch.js';
import type { ObtainContext } from '../distributions/obtain.js';
import { redactSecrets, secretValuesOf } from '../lib/redact.js';
import { readEngineHints, type EngineHints } from '../distributions/select.js';
import { buildEngine } from './compile-engine.js';
import { compileSettingsFrom, type CompileSettings } from './compile-settings.js';
import { readEnvDir } from './env-dir.js';
import { appRole, type AppRole } from '../config/app-role.js';

/**
 * What the classic compile (bin/compile) and the CNB build (bin/build) share: the config vars read and
 * validated, and output that hides every secret value the build knows of.
 */
export interface BuildSession {
  /** The platform's environment plus the config vars taken from the env dir. */
  env: Record<string, string | undefined>;
  settings: CompileSettings;
  /** Values hidden from everything printed; steps add the ones they learn (the list is read live). */
  secrets: string[];
  output: Output;
  /** The redacting stdout, for child processes and progress lines. */
  stdout: NodeJS.WritableStream;
  isTTY: boolean;
}

/** What a build phase (bin/compile, bin/build) takes from the process that runs it. */
export interface BuildProcess {
  /** The pio-deploy checkout the buildpack runs from. */
  sourceRoot: string;
  /** A Node the buildpack script downloaded because the platform's is unfit. */
  nodeHome?: string | undefined;
  processEnv: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY?: boolean;
}

export interface BuildSessionOptions extends Pick<BuildProcess, 'processEnv' | 'stdout' | 'stderr' | 'isTTY'> {
  /** Directory with one file per config var (absent: none). */
  envDir?: string | undefined;
}

/**
 * Reads the env dir, validates the build settings (warnings and unused config vars reported) and runs
 * `build` with redacting output. A UserError leaves with its message and hint redacted as well.
 */
export async function runBuildSession<T>(options: BuildSessionOptions, build: (session: BuildSession) => Promise<T>): Promise<T> {
  const envDir = await readEnvDir(options.envDir);
  const env: Record<string, string | undefined> = { ...options.processEnv, ...envDir.vars };
  // Secrets are collected before anything is validated, so even error messages are scrubbed.
  const secrets = secretValuesOf(envDir.vars);
  const stdout = redactingStream(options.stdout, () => secrets);
  const stderr = redactingStream(options.stderr, () => secrets);
  const output = createOutput(stdout, stderr);
  try {
    const settings = compileSettingsFrom(env);
    secrets.push(...settings.secrets);
    if (envDir.ignored.length > 0) output.detail(`Config vars not used by the build: ${envDir.ignored.join(', ')}`);
    for (const warning of settings.warnings) output.warn(warning);
    return await build({ env, settings, secrets, output, stdout, isTTY: options.isTTY ?? false });
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

export interface AppShape {
  hints: EngineHints;
  hasEngineJson: boolean;
  role: AppRole;
}

/** What the app's files (and PIO_RUN_AS_EVENTSERVER) say about it: engine or event server, and which PredictionIO. */
export async function readAppShape(appDir: string, settings: CompileSettings): Promise<AppShape> {
  const hints = await readEngineHints(appDir);
  const hasEngineJson = await pathExists(join(appDir, 'engine.json'));
  return { hints, hasEngineJson, role: appRole({ hasEngineJson, runAsEventServer: settings.runAsEventServer }) };
}

/** How the session's downloads are fetched, verified, cached and reported. */
export function obtainContextFor(session: BuildSession, cache: ArtifactCache): ObtainContext {
  return {
    cache,
    output: session.output,
    fetch: fetchOptionsFrom(session.env),
    write: (text) => session.stdout.write(text),
    isTTY: session.isTTY,
  };
}

/**
 * `pio build` with the installed distribution, for engine apps only: an event-server app never runs the
 * engine, so its code is not built (it may not even be a native engine).
 */
export async function buildEngineOf(
  session: BuildSession,
  shape: AppShape,
  dirs: { appDir: string; distDir: string; nodeHome: string | undefined; javaHome: string | undefined },
): Promise<void> {
  if (!shape.hasEngineJson || shape.role !== 'engine') return;
  const { settings, output } = session;
  output.topic('Building the engine (pio build)');
  await buildEngine({
    appDir: dirs.appDir,
    distDir: dirs.distDir,
    env: buildEnv(session.env, dirs.distDir, dirs.nodeHome, dirs.javaHome),
    verbose: settings.verbose,
    mavenRepo: settings.mavenRepo,
    secrets: session.secrets,
    output,
    stdout: session.stdout,
  });
  output.detail('Engine built');
}

/** The engine build sees the platform's environment plus the allowed config vars and the dist's tools. */
function buildEnv(
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

function fetchOptionsFrom(env: Record<string, string | undefined>): FetchOptions {
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

function redactingStream(target: NodeJS.WritableStream, secrets: () => string[]): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      target.write(redactSecrets(chunk.toString('utf8'), secrets()));
      callback();
    },
  });
}
