import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import {
  APACHE_RELEASES,
  DEFAULT_APACHE_VERSION,
  DISTRIBUTION_KINDS,
  supportedApacheVersions,
  type ApacheRelease,
  type DistributionKind,
} from './catalog.js';

/** What the app's files say about the PredictionIO it was written for. */
export interface EngineHints {
  /** `pio.version.min` from template.json. */
  templateVersion?: string;
  /** Version of `apache-predictionio-core` declared in build.sbt. */
  buildSbtVersion?: string;
  hasBuildSbt: boolean;
}

export interface DistributionChoice {
  kind: DistributionKind;
  /** Set for kind "apache". */
  apacheRelease?: ApacheRelease;
  /** One line for the build log: why this distribution. */
  reason: string;
  /** Things a person should know (e.g. build.sbt disagrees with the chosen version). */
  warnings: string[];
}

export async function readEngineHints(appDir: string): Promise<EngineHints> {
  const hints: EngineHints = { hasBuildSbt: false };
  const template = await readOptional(join(appDir, 'template.json'));
  if (template !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(template);
    } catch {
      throw new UserError('template.json is not valid JSON.', {
        hint: 'Fix the file, e.g. {"pio": {"version": {"min": "0.14.0"}}}, or remove it.',
      });
    }
    const min = (parsed as { pio?: { version?: { min?: unknown } } } | null)?.pio?.version?.min;
    if (min !== undefined && typeof min !== 'string') {
      throw new UserError('template.json: pio.version.min must be a string such as "0.14.0".');
    }
    if (min) hints.templateVersion = min.trim();
  }
  const buildSbt = await readOptional(join(appDir, 'build.sbt'));
  if (buildSbt !== undefined) {
    hints.hasBuildSbt = true;
    const core = /"apache-predictionio-core"\s*%\s*"([^"]+)"/.exec(buildSbt);
    if (core?.[1]) hints.buildSbtVersion = core[1];
  }
  return hints;
}

/**
 * Matches a requested PredictionIO version against the catalog: exact versions and the aliases
 * listed there (`0.12.0` for `0.12.0-incubating`). Anything else is refused with the list of choices.
 */
export function resolveApacheRelease(requested: string, source: string): ApacheRelease {
  const wanted = requested.trim().toLowerCase();
  const match = APACHE_RELEASES.find((entry) => entry.version === wanted || entry.aliases.includes(wanted));
  if (match) return match;
  const supported = supportedApacheVersions().join(', ');
  if (/^0\.(\d|10|11)(\.|-|$)/.test(wanted)) {
    throw new UserError(
      `PredictionIO ${requested} (from ${source}) is no longer supported: Apache published no usable binary release of it.`,
      { hint: `Upgrade the engine to one of ${supported} and set that version in ${source}.` },
    );
  }
  throw new UserError(`PredictionIO ${requested} (from ${source}) is not a supported version.`, {
    hint: `Supported versions: ${supported}. Set PIO_VERSION or template.json pio.version.min to one of them.`,
  });
}

/**
 * Chooses the distribution kind and version. PIO_DISTRIBUTION decides when set; otherwise an app that
 * only runs the event server gets the native runtime (it needs no engine toolchain, whatever files the
 * repository has), a Scala engine (build.sbt) gets Apache PredictionIO and everything else the native
 * runtime. The Apache version comes from PIO_VERSION, then template.json pio.version.min, then build.sbt,
 * then the newest.
 */
export function chooseDistribution(
  env: { PIO_DISTRIBUTION?: string | undefined; PIO_VERSION?: string | undefined },
  hints: EngineHints,
  app: { eventServerOnly?: boolean } = {},
): DistributionChoice {
  const warnings: string[] = [];
  let kind: DistributionKind;
  let kindReason: string;
  const requestedKind = env.PIO_DISTRIBUTION?.trim().toLowerCase();
  if (requestedKind) {
    if (!(DISTRIBUTION_KINDS as readonly string[]).includes(requestedKind)) {
      throw new UserError(`PIO_DISTRIBUTION is "${env.PIO_DISTRIBUTION}", which is not a distribution.`, {
        hint: `Set PIO_DISTRIBUTION to one of: ${DISTRIBUTION_KINDS.join(', ')}.`,
      });
    }
    kind = requestedKind as DistributionKind;
    kindReason = 'PIO_DISTRIBUTION';
  } else if (app.eventServerOnly) {
    kind = 'native';
    kindReason = 'an event-server app';
  } else if (hints.hasBuildSbt) {
    kind = 'apache';
    kindReason = 'a Scala engine (build.sbt)';
  } else {
    kind = 'native';
    kindReason = 'the default';
  }

  if (kind === 'native') {
    return { kind, reason: `native runtime (${kindReason})`, warnings };
  }

  let release: ApacheRelease;
  let versionSource: string;
  if (env.PIO_VERSION?.trim()) {
    versionSource = 'PIO_VERSION';
    release = resolveApacheRelease(env.PIO_VERSION, versionSource);
  } else if (hints.templateVersion) {
    versionSource = 'template.json pio.version.min';
    release = resolveApacheRelease(hints.templateVersion, versionSource);
  } else if (hints.buildSbtVersion) {
    versionSource = 'build.sbt apache-predictionio-core';
    release = resolveApacheRelease(hints.buildSbtVersion, versionSource);
  } else {
    versionSource = 'the newest supported release';
    release = resolveApacheRelease(DEFAULT_APACHE_VERSION, versionSource);
  }
  if (hints.buildSbtVersion && !sameRelease(release, hints.buildSbtVersion)) {
    warnings.push(
      `build.sbt depends on apache-predictionio-core ${hints.buildSbtVersion} but PredictionIO ${release.version} ` +
        `is installed (from ${versionSource}); align them to avoid runtime class errors.`,
    );
  }
  return {
    kind,
    apacheRelease: release,
    reason: `Apache PredictionIO ${release.version} (${kindReason}; version from ${versionSource})`,
    warnings,
  };
}

function sameRelease(release: ApacheRelease, version: string): boolean {
  const wanted = version.trim().toLowerCase();
  return release.version === wanted || release.aliases.includes(wanted);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
