import { UserError } from '../lib/errors.js';
import type { ArtifactSpec } from './catalog.js';

export interface NativeDistributionSource {
  version: string;
  title: string;
  artifacts: ArtifactSpec[];
}

/**
 * The native distribution (our PredictionIO-compatible runtime) is one tarball with its own SHA-512,
 * installed through the same fetch/verify/cache/unpack path as Apache's.
 *
 * `pio-deploy dist pack` (owned elsewhere) produces that tarball; it plugs in here by returning its
 * file:// URL and digest. Until then the tarball must be named by NATIVE_DIST_URL (with
 * NATIVE_DIST_SHA512 or a published `.sha512`), which `withOverrides` applies.
 */
export function nativeDistributionArtifacts(env: Record<string, string | undefined>): NativeDistributionSource {
  if (!env.NATIVE_DIST_URL?.trim()) {
    throw new UserError('The native distribution needs a packed tarball, and this pio-deploy cannot pack one yet.', {
      hint: 'Set NATIVE_DIST_URL (and NATIVE_DIST_SHA512) to a native distribution tarball, or set PIO_DISTRIBUTION=apache.',
    });
  }
  return {
    version: 'custom',
    title: 'native PredictionIO-compatible runtime',
    artifacts: [
      {
        name: 'NATIVE_DIST',
        title: 'native PredictionIO distribution',
        url: env.NATIVE_DIST_URL,
        checksumSources: [],
        install: { type: 'unpack', dir: '' },
      },
    ],
  };
}
