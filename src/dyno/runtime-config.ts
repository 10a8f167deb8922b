import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DISTRIBUTION_DIR, DISTRIBUTION_MANIFEST } from '../distributions/install.js';
import { applyAppNameToEngineVariant, variantFromPioOpts, type AppNameUpdate } from '../config/engine-json.js';
import { loadConfig, type PioDeployConfig } from '../config/load-config.js';
import { RUNTIME_FILES, renderDefaultFile, type RuntimeFileName } from '../config/runtime-files.js';
import { type DistributionKind, pioStorageEnv, withDefaults } from '../config/storage-env.js';
import { escaperFor, renderTemplate } from '../config/template.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UserError } from '../lib/errors.js';
import { pathExists } from '../lib/fs-checks.js';
import type { Output } from '../lib/output.js';
import { findPio } from './run-child.js';

export interface RenderedFile {
  name: RuntimeFileName;
  path: string;
  /** `default` or the app's `config/<name>` template. */
  from: 'default' | `config/${string}`;
}

export interface RuntimeConfigResult {
  distDir: string;
  kind: DistributionKind;
  files: RenderedFile[];
  variants: { file: string; update: AppNameUpdate }[];
}

/**
 * Renders PredictionIO's configuration files from the current environment into the distribution's conf
 * dir (`$PIO_CONF_DIR`, default `PredictionIO-dist/conf`), each written atomically with mode 0600 (they
 * may hold credentials), and points engine variants at PIO_EVENTSERVER_APP_NAME. Runs at every process
 * start because a dyno's credentials can change between releases.
 */
export async function renderRuntimeConfig(
  appDir: string,
  config: PioDeployConfig,
  env: NodeJS.ProcessEnv,
): Promise<RuntimeConfigResult> {
  const distDir = join(appDir, DISTRIBUTION_DIR);
  if (!(await pathExists(distDir))) {
    throw new UserError(`No PredictionIO distribution at ${distDir}.`, {
      hint: 'Build the app first (git push, or pio-deploy compile), or pass --app-dir pointing at the app.',
    });
  }
  const kind = await distributionKind(distDir);
  const confDir = env.PIO_CONF_DIR?.trim() ? env.PIO_CONF_DIR.trim() : join(distDir, 'conf');
  const context = templateContext(config, env, kind);

  const files: RenderedFile[] = [];
  for (const name of RUNTIME_FILES) {
    const content = await renderOne(appDir, name, config, kind, context);
    const path = join(confDir, name);
    await writeFileAtomic(path, content.text, { mode: 0o600 });
    files.push({ name, path, from: content.from });
  }

  const variants: RuntimeConfigResult['variants'] = [];
  const appName = config.values.PIO_EVENTSERVER_APP_NAME;
  if (appName) {
    const names = new Set(['engine.json']);
    const fromOpts = variantFromPioOpts(config.values.PIO_OPTS);
    if (fromOpts) names.add(fromOpts);
    for (const file of names) {
      const update = await applyAppNameToEngineVariant(join(appDir, file), file, appName);
      variants.push({ file, update });
    }
  }
  return { distDir, kind, files, variants };
}

async function renderOne(
  appDir: string,
  name: RuntimeFileName,
  config: PioDeployConfig,
  kind: DistributionKind,
  context: NodeJS.ProcessEnv,
): Promise<{ text: string; from: RenderedFile['from'] }> {
  const overridePath = join(appDir, 'config', name);
  if (await pathExists(`${overridePath}.erb`)) {
    throw new UserError(`config/${name}.erb is an ERB template, and pio-deploy does not run Ruby.`, {
      hint: `Rename it to config/${name} and replace <%= ENV['NAME'] %> with {{NAME}} (or {{NAME:-default}}); see CUSTOM.md.`,
    });
  }
  let source: string;
  try {
    source = await readFile(overridePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { text: renderDefaultFile(name, config, kind), from: 'default' };
  }
  const label = `config/${name}` as const;
  return { text: renderTemplate(source, (key) => context[key], escaperFor(name), label), from: label };
}

/** What `{{NAME}}` can refer to: the environment plus the values pio-deploy computes from it. */
export function templateContext(config: PioDeployConfig, env: NodeJS.ProcessEnv, kind: DistributionKind): NodeJS.ProcessEnv {
  const computed: Record<string, string> = { ...pioStorageEnv(config, kind) };
  if (config.awsRegion) computed.PIO_S3_AWS_REGION = config.awsRegion;
  if (config.s3?.endpoint) computed.PIO_S3_ENDPOINT = config.s3.endpoint;
  return withDefaults(env, computed);
}

/** From the manifest the build writes; without one, a Spark directory means apache. */
export async function distributionKind(distDir: string): Promise<DistributionKind> {
  try {
    const manifest = JSON.parse(await readFile(join(distDir, DISTRIBUTION_MANIFEST), 'utf8')) as { kind?: unknown };
    if (manifest.kind === 'apache' || manifest.kind === 'native') return manifest.kind;
  } catch {
    // no or unreadable manifest: fall through to the layout check
  }
  return (await pathExists(join(distDir, 'vendors', 'spark-hadoop'))) ? 'apache' : 'native';
}

export interface RuntimeContext {
  appDir: string;
  config: PioDeployConfig;
  pio: string;
  kind: DistributionKind;
  /** The environment for pio and hooks: the user's, plus computed PIO_STORAGE_* where unset. */
  childEnv: NodeJS.ProcessEnv;
  /** Values masked in everything printed. */
  secrets: string[];
}

/**
 * What web, train and release do first: validate the environment, render the configuration files (when
 * the distribution is installed; a bare `pio` on PATH is used as is) and locate pio.
 */
export async function prepareRuntime(
  appDir: string,
  env: NodeJS.ProcessEnv,
  output: Pick<Output, 'warn'>,
): Promise<RuntimeContext> {
  const config = loadConfig(env);
  for (const warning of config.warnings) output.warn(warning);
  let kind: DistributionKind = 'native';
  if (await pathExists(join(appDir, DISTRIBUTION_DIR))) {
    const rendered = await renderRuntimeConfig(appDir, config, env);
    kind = rendered.kind;
  }
  const pio = await findPio(appDir, env);
  return {
    appDir,
    config,
    pio,
    kind,
    childEnv: withDefaults(env, pioStorageEnv(config, kind)),
    secrets: config.secrets,
  };
}
