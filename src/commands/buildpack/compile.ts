import type { CommandDefinition } from '../../lib/command-spec.js';
import { fromThisProcess } from './source-root.js';

export const buildpackCompile: CommandDefinition = {
  name: 'compile',
  description: 'Install the PredictionIO distribution and pio-deploy into BUILD_DIR and build the engine',
  arguments: [
    { name: '<build-dir>', description: 'the app checkout to turn into a slug' },
    { name: '<cache-dir>', description: 'directory kept between builds (verified downloads are cached here)' },
    { name: '[env-dir]', description: "one file per config var (only the build's variables are read)" },
  ],
  examples: ['pio-deploy buildpack compile /tmp/build /tmp/cache /tmp/env'],
  footer: 'bin/compile calls this after it has found (or downloaded) a suitable Node.',
  action: async (buildDir: string, cacheDir: string, envDir: string | undefined) => {
    const { compile } = await import('../../buildpack/compile.js');
    await compile({ buildDir, cacheDir, envDir, ...fromThisProcess() });
  },
};
