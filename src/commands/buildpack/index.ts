import type { CommandDefinition } from '../../lib/command-spec.js';
import { buildpackCnbBuild } from './cnb-build.js';
import { buildpackCnbPackage } from './cnb-package.js';
import { buildpackCompile } from './compile.js';
import { buildpackRelease } from './release.js';

/** `pio-deploy buildpack compile|release|cnb-*`: the TypeScript side of buildpack/bin/*. */
export const buildpack: CommandDefinition = {
  name: 'buildpack',
  description: 'Buildpack phases (called by buildpack/bin/compile and bin/release; rarely run by hand)',
  examples: ['pio-deploy buildpack compile /tmp/build /tmp/cache /tmp/env', 'pio-deploy buildpack release /tmp/build'],
  commands: [buildpackCompile, buildpackCnbBuild, buildpackCnbPackage, buildpackRelease],
};
