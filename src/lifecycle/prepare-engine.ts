import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { APACHE_RELEASES, DEFAULT_APACHE_VERSION, type ApacheRelease } from '../distributions/catalog.js';
import { resolveApacheRelease } from '../distributions/select.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { isUserError, UserError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import {
  appJson,
  appNameFor,
  buildpackUrl,
  dotEnv,
  ENGINE_PROCFILE,
  missingGitignoreEntries,
  newLocalEnv,
} from './app-files.js';

/**
 * `pio-deploy init` inside an existing engine: adds what deploying needs around the engine and aligns
 * the versions the buildpack reads (template.json, build.sbt) with a supported Apache PredictionIO
 * release. Every change is planned first (so bad input fails before anything is written), then each
 * file is replaced atomically. Engine code (src/, *.scala, engine.json) is never touched.
 */

export interface PlannedChange {
  file: string;
  /** One line for the report, e.g. `apache-predictionio-core 0.11.0-incubating → 0.12.0-incubating`. */
  description: string;
  content: string;
  mode?: number;
}

export interface PreparedEngine {
  kind: 'scala' | 'typescript';
  appName: string;
  /** The Apache release the engine is aligned with (Scala engines). */
  apacheVersion: string | undefined;
  changes: Array<{ file: string; description: string }>;
  warnings: string[];
}

export async function prepareExistingEngine(dir: string, out: Output, name?: string): Promise<PreparedEngine> {
  const buildSbt = await readOptional(join(dir, 'build.sbt'));
  const kind = buildSbt === undefined ? 'typescript' : 'scala';
  const appName = name ?? appNameFor(dir, 'engine');
  const changes: PlannedChange[] = [];
  const warnings: string[] = [];
  let release: ApacheRelease | undefined;

  if (buildSbt !== undefined) {
    const templateText = await readOptional(join(dir, 'template.json'));
    release = chooseRelease(templateText, buildSbt);
    changes.push(...planTemplateJson(templateText, release));
    const sbt = planBuildSbt(buildSbt, release);
    changes.push(...sbt.changes);
    warnings.push(...sbt.warnings);
  }

  if ((await readOptional(join(dir, 'Procfile'))) === undefined) {
    changes.push({ file: 'Procfile', description: 'engine processes: web, train, release', content: ENGINE_PROCFILE });
  }
  if ((await readOptional(join(dir, 'app.json'))) === undefined) {
    const description = await engineDescription(dir);
    const runtime = kind === 'scala' ? 'apache' : 'native';
    const json = appJson({ name: appName, description, runtime, buildpackUrl: buildpackUrl() });
    changes.push({
      file: 'app.json',
      description: `heroku-postgresql, PIO_EVENTSERVER_APP_NAME=${appName}, generated access key, ${runtime === 'apache' ? 'standard-2x' : 'basic'} web dyno`,
      content: `${JSON.stringify(json, null, 2)}\n`,
    });
  }
  const ignore = await readOptional(join(dir, '.gitignore'));
  const missing = missingGitignoreEntries(ignore ?? '');
  if (missing.length > 0) {
    const base = ignore === undefined || ignore === '' || ignore.endsWith('\n') ? (ignore ?? '') : `${ignore}\n`;
    changes.push({ file: '.gitignore', description: `ignore ${missing.join(', ')}`, content: `${base}${missing.join('\n')}\n` });
  }
  if ((await readOptional(join(dir, '.env'))) === undefined) {
    changes.push({
      file: '.env',
      description: `local config vars: PIO_EVENTSERVER_APP_NAME=${appName}, a generated access key (not committed)`,
      content: dotEnv(newLocalEnv(appName)),
      mode: 0o600,
    });
  }

  out.topic(`Preparing the ${kind === 'scala' ? 'Scala' : 'TypeScript'} engine in ${dir} for deployment`);
  for (const change of changes) {
    await writeFileAtomic(join(dir, change.file), change.content, change.mode === undefined ? {} : { mode: change.mode });
    out.detail(`${change.file}: ${change.description}`);
  }
  if (changes.length === 0) out.detail('Nothing to change: the engine already has everything deploying needs.');
  for (const warning of warnings) out.warn(warning);
  out.topic('Next');
  out.detail('git add -A && git commit -m "Prepare for pio-deploy"   # the platform builds committed files');
  out.detail('pio-deploy up --port 8000');
  return {
    kind,
    appName,
    apacheVersion: release?.version,
    changes: changes.map(({ file, description }) => ({ file, description })),
    warnings,
  };
}

/**
 * The release to align with: template.json's `pio.version.min` when supported, else build.sbt's
 * `apache-predictionio-core` version when supported, else the newest supported release.
 */
export function chooseRelease(templateText: string | undefined, buildSbt: string): ApacheRelease {
  const candidates = [templateVersion(templateText), pioCoreVersion(buildSbt)];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      return resolveApacheRelease(candidate, 'init');
    } catch (error) {
      if (!isUserError(error)) throw error;
    }
  }
  const fallback = APACHE_RELEASES.find((entry) => entry.version === DEFAULT_APACHE_VERSION);
  if (!fallback) throw new Error(`DEFAULT_APACHE_VERSION ${DEFAULT_APACHE_VERSION} is not in the catalog`);
  return fallback;
}

function parseTemplateJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`template.json is not valid JSON: ${(error as Error).message}`, {
      hint: 'Fix it (e.g. {"pio": {"version": {"min": "0.14.0"}}}) and run pio-deploy init again.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError('template.json is not a JSON object.', { hint: 'Use e.g. {"pio": {"version": {"min": "0.14.0"}}}.' });
  }
  return parsed as Record<string, unknown>;
}

function templateVersion(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const min = (parseTemplateJson(text) as { pio?: { version?: { min?: unknown } } }).pio?.version?.min;
  return typeof min === 'string' && min.trim() ? min.trim() : undefined;
}

export function planTemplateJson(text: string | undefined, release: ApacheRelease): PlannedChange[] {
  if (text === undefined) {
    return [
      {
        file: 'template.json',
        description: `created with pio.version.min ${release.version}`,
        content: `${JSON.stringify({ pio: { version: { min: release.version } } })}\n`,
      },
    ];
  }
  const current = templateVersion(text);
  if (current && isSameRelease(current, release)) return [];
  const json = parseTemplateJson(text);
  const pio = isObject(json.pio) ? json.pio : {};
  const version = isObject(pio.version) ? pio.version : {};
  json.pio = { ...pio, version: { ...version, min: release.version } };
  return [
    {
      file: 'template.json',
      description: `pio.version.min ${current ?? '(unset)'} → ${release.version}`,
      content: `${JSON.stringify(json)}\n`,
    },
  ];
}

function isSameRelease(version: string, release: ApacheRelease): boolean {
  const wanted = version.trim().toLowerCase();
  return wanted === release.version || release.aliases.includes(wanted);
}

const PIO_CORE = /("apache-predictionio-core"\s*%\s*")([^"]+)(")/g;
const SPARK_MODULE = /("org\.apache\.spark"\s*%%?\s*"(spark-[A-Za-z0-9-]+?)(?:_2\.1[01])?"\s*%\s*")([^"]+)(")/g;
const SCALA_VERSION = /(scalaVersion\s*(?:in\s+ThisBuild\s*)?:=\s*")([^"]+)(")/g;

function pioCoreVersion(buildSbt: string): string | undefined {
  return new RegExp(PIO_CORE.source).exec(buildSbt)?.[2];
}

/** Replaces the PredictionIO, Spark and Scala versions in build.sbt with the release's. */
export function planBuildSbt(text: string, release: ApacheRelease): { changes: PlannedChange[]; warnings: string[] } {
  const warnings: string[] = [];
  const notes: string[] = [];
  if (/"io\.prediction"/.test(text)) {
    warnings.push(
      'build.sbt depends on "io.prediction" (PredictionIO 0.9 or older): the engine code must be ported to ' +
        `org.apache.predictionio before it builds with ${release.version}; its dependencies were left as they are.`,
    );
  }
  let next = text.replace(PIO_CORE, (whole, start: string, version: string, end: string) => {
    if (version === release.version) return whole;
    notes.push(`apache-predictionio-core ${version} → ${release.version}`);
    return `${start}${release.version}${end}`;
  });
  next = next.replace(SPARK_MODULE, (whole, start: string, module: string, version: string, end: string) => {
    if (version === release.spark) return whole;
    notes.push(`${module} ${version} → ${release.spark}`);
    return `${start}${release.spark}${end}`;
  });
  next = next.replace(SCALA_VERSION, (whole, start: string, version: string, end: string) => {
    if (version === release.scala) return whole;
    if (!/^2\.1[01]\./.test(version)) {
      warnings.push(`build.sbt sets scalaVersion ${version}; PredictionIO ${release.version} is built for Scala ${release.scala}.`);
      return whole;
    }
    notes.push(`scalaVersion ${version} → ${release.scala}`);
    return `${start}${release.scala}${end}`;
  });
  if (!new RegExp(PIO_CORE.source).test(text) && !/"io\.prediction"/.test(text)) {
    warnings.push(
      `build.sbt declares no "org.apache.predictionio" %% "apache-predictionio-core" dependency; add it with version ${release.version}.`,
    );
  }
  return { changes: notes.length > 0 ? [{ file: 'build.sbt', description: notes.join(', '), content: next }] : [], warnings };
}

async function engineDescription(dir: string): Promise<string> {
  const text = await readOptional(join(dir, 'engine.json'));
  if (text !== undefined) {
    try {
      const json = JSON.parse(text) as { description?: unknown };
      if (typeof json.description === 'string' && json.description.trim()) return json.description.trim();
    } catch {
      // the build reports a broken engine.json; the description is only cosmetic here
    }
  }
  return 'PredictionIO engine deployed with pio-deploy';
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
