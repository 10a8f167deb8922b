import { basename } from 'node:path';
import { UserError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import type { ArtifactCache } from './cache.js';
import type { ArtifactSpec } from './catalog.js';
import { parseChecksumFile, type DigestAlgorithm } from './checksum.js';
import { downloadToFile, fetchText, FetchError, type FetchOptions } from './fetch.js';
import { createProgress, formatBytes } from './progress.js';
import { redactUrl } from '../lib/redact.js';

export interface ObtainContext {
  cache: ArtifactCache;
  output: Output;
  fetch: FetchOptions;
  /** Raw writes for progress (a TTY bar redraws one line). */
  write: (text: string) => void;
  isTTY: boolean;
}

export interface ObtainedArtifact {
  spec: ArtifactSpec;
  /** The verified file, inside the cache. */
  path: string;
  sha512: string;
  downloadedBytes: number;
}

const DIGEST_LABEL: Record<DigestAlgorithm, string> = { sha512: 'SHA-512', sha256: 'SHA-256', sha1: 'SHA-1' };

interface ExpectedDigest {
  algorithm: DigestAlgorithm;
  digest: string;
  /** Where the digest came from, for the build log. */
  source: string;
}

/**
 * Returns a verified local copy of an artifact: from the cache when an intact entry exists, otherwise
 * downloaded, checked against its expected digest and only then added to the cache.
 */
export async function obtainArtifact(spec: ArtifactSpec, given: ObtainContext): Promise<ObtainedArtifact> {
  const context = withRetryReport(given);
  const { cache, output } = context;
  const fileName = spec.fileName ?? artifactFileName(spec.url);
  const knownDigest = spec.sha512 ?? (await cache.digestForUrl(spec.url));
  if (knownDigest) {
    const cached = await cache.find(knownDigest);
    if (cached) {
      output.detail(`Using cached ${fileName} (SHA-512 ${short(knownDigest)})`);
      return { spec, path: cached, sha512: knownDigest, downloadedBytes: 0 };
    }
  }

  const expected: ExpectedDigest = spec.sha512
    ? { algorithm: 'sha512', digest: spec.sha512, source: 'pinned' }
    : spec.sha256
      ? { algorithm: 'sha256', digest: spec.sha256, source: 'pinned' }
      : await publishedDigest(spec, context);

  output.detail(`Downloading ${fileName} from ${redactUrl(spec.url)}`);
  const temp = await cache.tempFile();
  // A local file (file://, e.g. the buildpack's own native pack) copies in moments: no progress lines.
  const progress = spec.url.startsWith('file:')
    ? { listener: () => {}, finish: () => {} }
    : createProgress(context.write, context.isTTY);
  let result;
  try {
    result = await downloadToFile(spec.url, temp, ['sha512', expected.algorithm], context.fetch, progress.listener);
  } catch (error) {
    await cache.discard(temp);
    throw downloadFailure(spec, error);
  } finally {
    progress.finish();
  }
  const actual = result.digests[expected.algorithm];
  const sha512 = result.digests.sha512;
  if (!sha512 || actual !== expected.digest) {
    await cache.discard(temp);
    const label = DIGEST_LABEL[expected.algorithm];
    throw new UserError(
      `${fileName} failed verification: its ${label} is ${short(actual ?? '')}, expected ${short(expected.digest)} (${expected.source}).\n` +
        `The file is corrupt or not the expected one. Nothing was installed or cached.`,
      {
        hint: spec.sha512 || spec.sha256
          ? `If ${spec.name}_URL points at a different build on purpose, set ${spec.name}_SHA512 to its digest.`
          : `Retry the build; if it fails again, the mirror serves a bad file: set ${spec.name}_URL to another mirror.`,
      },
    );
  }
  const path = await cache.commit(temp, sha512, spec.url);
  output.detail(`Verified ${fileName} (${formatBytes(result.bytes)}, SHA-512 ${short(sha512)})`);
  if (expected.algorithm === 'sha1') {
    output.warn(
      `${fileName} could only be checked against a published SHA-1. Set ${spec.name}_SHA512=${sha512} to pin it.`,
    );
  }
  return { spec, path, sha512, downloadedBytes: result.bytes };
}

/** Reads the digest from the first published side file that exists. */
async function publishedDigest(spec: ArtifactSpec, context: ObtainContext): Promise<ExpectedDigest> {
  const tried: string[] = [];
  for (const source of spec.checksumSources) {
    let text: string;
    try {
      text = await fetchText(source.url, context.fetch);
    } catch (error) {
      if (error instanceof FetchError && error.notFound) {
        tried.push(redactUrl(source.url));
        continue;
      }
      throw downloadFailure(spec, error, 'the checksum');
    }
    const digest = parseChecksumFile(text, source.algorithm);
    if (!digest) {
      throw new UserError(`${redactUrl(source.url)} contains no ${source.algorithm.toUpperCase()} digest in a known layout.`, {
        hint: `Set ${spec.name}_SHA512 to the file's SHA-512 digest instead.`,
      });
    }
    return { algorithm: source.algorithm, digest, source: `published at ${redactUrl(source.url)}` };
  }
  throw new UserError(
    `No checksum is known for ${spec.title} (${redactUrl(spec.url)})${tried.length ? `: none published at ${tried.join(', ')}` : ''}.`,
    { hint: `Set ${spec.name}_SHA512 to the file's SHA-512 digest (sha512sum <file>), or publish <file>.sha512 next to it.` },
  );
}

/** Every retry is reported in the build log, so a slow build explains itself. */
function withRetryReport(context: ObtainContext): ObtainContext {
  if (context.fetch.onRetry) return context;
  return {
    ...context,
    fetch: {
      ...context.fetch,
      onRetry: (error, attempt, delayMs) =>
        context.output.detail(`${error.message} Retrying in ${(delayMs / 1000).toFixed(1)}s (attempt ${attempt + 1}).`),
    },
  };
}

function downloadFailure(spec: ArtifactSpec, error: unknown, what = spec.title): UserError {
  const prefix = what === spec.title ? `Could not download ${spec.title}.` : `Could not download ${what} of ${spec.title}.`;
  if (!(error instanceof FetchError)) return new UserError(`${prefix}\n${(error as Error).message}`);
  const hint = error.notFound
    ? `The file is not at that address. Set ${spec.name}_URL to a mirror that has it (file:// works for offline mirrors).`
    : `Nothing was installed or cached. Retry the build, or set ${spec.name}_URL to another mirror.`;
  return new UserError(`${prefix}\n${error.message}`, { hint });
}

export function artifactFileName(url: string): string {
  try {
    return basename(decodeURIComponent(new URL(url).pathname)) || 'download';
  } catch {
    return 'download';
  }
}

function short(digest: string): string {
  return digest.length > 16 ? `${digest.slice(0, 16)}…` : digest;
}
