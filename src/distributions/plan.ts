import { UserError } from '../lib/errors.js';
import { isDigest, normaliseDigest } from './checksum.js';
import { POSTGRESQL_DRIVER, S3_JARS, sparkArtifact, type ArtifactSpec, type DistributionKind } from './catalog.js';
import { nativeDistributionArtifacts, type NativePack } from './native-distribution.js';
import { redactUrl } from '../lib/redact.js';
import type { DistributionChoice } from './select.js';

/** Everything needed to install one distribution: the same shape for both kinds. */
export interface DistributionPlan {
  kind: DistributionKind;
  version: string;
  title: string;
  artifacts: ArtifactSpec[];
}

export interface OptionalParts {
  /** PIO_S3_BUCKET_NAME is set: install the S3A jars. */
  s3: boolean;
  /** PIO_ELASTICSEARCH_URL is set: install Elasticsearch. */
  elasticsearch: boolean;
  /** PIO_BUILD_SPARK_VERSION / PIO_BUILD_HADOOP_VERSION: pair a different Spark build. */
  sparkVersion?: string | undefined;
  hadoopLine?: string | undefined;
}

export type OverrideEnv = Record<string, string | undefined>;

/** Distributions that come from this build rather than from the catalog. */
export interface LocalSources {
  /** The native distribution packed from the buildpack's checkout (unused when NATIVE_DIST_URL is set). */
  nativePack?: NativePack | undefined;
}

export function planDistribution(
  choice: DistributionChoice,
  parts: OptionalParts,
  env: OverrideEnv,
  local: LocalSources = {},
): DistributionPlan {
  if (choice.kind === 'native') {
    const native = nativeDistributionArtifacts(env, local.nativePack);
    return { kind: 'native', version: native.version, title: native.title, artifacts: native.artifacts.map((a) => withOverrides(a, env)) };
  }
  const release = choice.apacheRelease;
  if (!release) throw new Error('an apache distribution choice must carry its release');
  const sparkDist =
    parts.sparkVersion || parts.hadoopLine
      ? sparkArtifact(parts.sparkVersion ?? release.spark, parts.hadoopLine ?? '2.7')
      : release.sparkDist;
  const artifacts: ArtifactSpec[] = [release.predictionio, sparkDist, POSTGRESQL_DRIVER];
  if (parts.s3) artifacts.push(...S3_JARS);
  if (parts.elasticsearch) artifacts.push(release.elasticsearchDist);
  return {
    kind: 'apache',
    version: release.version,
    title: `Apache PredictionIO ${release.version} (Scala ${release.scala}, Spark ${parts.sparkVersion ?? release.spark}, Hadoop ${release.hadoop})`,
    artifacts: artifacts.map((artifact) => withOverrides(artifact, env)),
  };
}

const ALLOWED_SCHEMES = new Set(['https:', 'http:', 'file:']);

/**
 * Applies `<NAME>_URL` and `<NAME>_SHA512`. A replaced URL drops the catalog's checksum sources (they
 * describe the catalog's file): its digest must come from `<NAME>_SHA512` or a `<url>.sha512` side file.
 */
export function withOverrides(artifact: ArtifactSpec, env: OverrideEnv): ArtifactSpec {
  const urlVar = `${artifact.name}_URL`;
  const shaVar = `${artifact.name}_SHA512`;
  const result: ArtifactSpec = { ...artifact, checksumSources: [...artifact.checksumSources] };
  const url = env[urlVar]?.trim();
  if (url) {
    result.url = checkUrl(url, urlVar);
    delete result.sha512;
    delete result.sha256;
    delete result.fileName;
    result.checksumSources = [{ url: sideFileUrl(result.url, '.sha512'), algorithm: 'sha512' }];
  }
  const sha = env[shaVar];
  if (sha !== undefined && sha.trim()) {
    // Plain hex or Apache's gpg layout (`file: ABCD 1234 …`) pasted as is.
    const digest = normaliseDigest(sha.replace(/^[^:]*:/, ''));
    if (!isDigest(digest, 'sha512')) {
      throw new UserError(`${shaVar} is not a SHA-512 digest (expected 128 hexadecimal characters).`, {
        hint: `Set ${shaVar} to the output of \`sha512sum <file>\` (the first field), or unset it to use the published checksum.`,
      });
    }
    result.sha512 = digest;
  }
  return result;
}

function checkUrl(url: string, variable: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${variable} is not a valid URL.`, {
      hint: `Set ${variable} to an https://, http:// or file:// address of the file.`,
    });
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol)) {
    throw new UserError(`${variable} uses ${parsed.protocol.replace(/:$/, '')}://, which pio-deploy cannot download from.`, {
      hint: `Set ${variable} to an https://, http:// or file:// address (got ${redactUrl(url)}).`,
    });
  }
  return parsed.toString();
}

/** `<url>.sha512`, keeping a query string (presigned URLs) after the path. */
export function sideFileUrl(url: string, suffix: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname}${suffix}`;
  return parsed.toString();
}
