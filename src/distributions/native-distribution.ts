import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UserError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import type { ArtifactCache } from './cache.js';
import type { ArtifactSpec } from './catalog.js';
import { isDigest } from './checksum.js';
import { formatBytes } from './progress.js';
import { nativePackKey, nativeTarballName, packNativeDistribution } from './pack.js';

export interface NativeDistributionSource {
  version: string;
  title: string;
  artifacts: ArtifactSpec[];
}

/** A native distribution tarball packed from the buildpack's own checkout: a local file and its digest. */
export interface NativePack {
  url: string;
  sha512: string;
  version: string;
  fileName: string;
}

/**
 * The native distribution (our PredictionIO-compatible runtime) is one tarball with its own SHA-512,
 * installed through the same fetch/verify/cache/unpack path as Apache's. By default that tarball is
 * `pio-deploy dist pack` of the buildpack's own checkout (`pack`, a file:// URL with its digest);
 * NATIVE_DIST_URL (with NATIVE_DIST_SHA512 or a published `.sha512`) names another one, applied by
 * `withOverrides` like every other `<NAME>_URL`.
 */
export function nativeDistributionArtifacts(
  env: Record<string, string | undefined>,
  pack: NativePack | undefined,
): NativeDistributionSource {
  const custom = env.NATIVE_DIST_URL?.trim();
  if (custom) {
    return {
      version: 'custom',
      title: 'native PredictionIO-compatible runtime (NATIVE_DIST_URL)',
      artifacts: [
        {
          name: 'NATIVE_DIST',
          title: 'native PredictionIO distribution',
          url: custom,
          checksumSources: [],
          install: { type: 'unpack', dir: '' },
        },
      ],
    };
  }
  if (!pack) {
    throw new UserError('The native distribution needs a packed tarball, and none was packed for this build.', {
      hint: 'Set NATIVE_DIST_URL (and NATIVE_DIST_SHA512) to a `pio-deploy dist pack` tarball, or set PIO_DISTRIBUTION=apache.',
    });
  }
  return {
    version: pack.version,
    title: nativeDistributionTitle(pack.version),
    artifacts: [
      {
        name: 'NATIVE_DIST',
        title: `native PredictionIO distribution ${pack.version}`,
        url: pack.url,
        fileName: pack.fileName,
        sha512: pack.sha512,
        checksumSources: [],
        install: { type: 'unpack', dir: '' },
      },
    ],
  };
}

export function nativeDistributionTitle(version: string): string {
  return `native PredictionIO-compatible runtime ${version}`;
}

export interface PreparedNativePack {
  pack: NativePack;
  /** Whether a new tarball was packed (false: a cached pack of the same inputs was found). */
  packed: boolean;
  /** The pack's inputs as one digest: stored by callers that keep their own record (CNB layer metadata). */
  key: string;
  /** Removes the freshly packed tarball once it has been installed (and so copied into the cache). */
  cleanup: () => Promise<void>;
}

interface PackIndexEntry {
  sha512: string;
  version: string;
  fileName: string;
}

/**
 * The buildpack's own native distribution, packed without the embedded PostgreSQL binaries (a deployed
 * app has a DATABASE_URL). A pack is keyed by its inputs (version, package-lock.json, dist/): when the
 * artifact cache already holds the pack for this key, nothing is packed again. The tarball itself lives
 * in the artifact cache under its SHA-512 like every download; `<cache>/native-pack/<key>.json` only
 * remembers which digest a key produced.
 */
export async function prepareNativePack(sourceRoot: string, cache: ArtifactCache, output: Output): Promise<PreparedNativePack> {
  const key = await nativePackKey(sourceRoot, true);
  const indexDir = join(cache.dir, 'native-pack');
  const indexFile = join(indexDir, `${key}.json`);
  const known = await readIndex(indexFile);
  if (known) {
    const cached = await cache.find(known.sha512);
    if (cached) {
      output.detail(`Reusing the native distribution packed from this buildpack (${known.fileName})`);
      return {
        pack: { url: pathToFileURL(cached).href, sha512: known.sha512, version: known.version, fileName: known.fileName },
        packed: false,
        key,
        cleanup: async () => {},
      };
    }
  }
  output.detail('Packing the native distribution from this buildpack (pio-deploy dist pack --without-embedded-postgres)');
  await mkdir(indexDir, { recursive: true });
  const work = await mkdtemp(join(cache.dir, '.native-pack-'));
  try {
    const result = await packNativeDistribution({ sourceRoot, outputDir: work, withoutEmbeddedPostgres: true });
    output.detail(`Packed ${nativeTarballName(result.version)} (${formatBytes(result.bytes)})`);
    // Older keys point at packs of an earlier buildpack version: forget them.
    for (const name of await readdir(indexDir).catch(() => [] as string[])) {
      if (name !== `${key}.json`) await rm(join(indexDir, name), { force: true });
    }
    const entry: PackIndexEntry = { sha512: result.sha512, version: result.version, fileName: nativeTarballName(result.version) };
    await writeFileAtomic(indexFile, `${JSON.stringify(entry)}\n`);
    return {
      pack: { url: pathToFileURL(result.tarball).href, ...entry },
      packed: true,
      key,
      cleanup: () => rm(work, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

async function readIndex(path: string): Promise<PackIndexEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(path, 'utf8')) as Partial<PackIndexEntry>;
    if (typeof entry.sha512 === 'string' && isDigest(entry.sha512, 'sha512') && entry.version && entry.fileName) {
      return { sha512: entry.sha512, version: entry.version, fileName: entry.fileName };
    }
  } catch {
    // no usable index: pack again
  }
  return undefined;
}
