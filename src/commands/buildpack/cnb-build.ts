import type { CommandDefinition } from '../../lib/command-spec.js';
import { UserError } from '../../lib/errors.js';
import { fromThisProcess } from './source-root.js';

export const buildpackCnbBuild: CommandDefinition = {
  name: 'cnb-build',
  description: 'Cloud Native Buildpack build phase (called by buildpack/bin/build; the app is the working directory)',
  notes: 'Reads CNB_LAYERS_DIR and CNB_PLATFORM_DIR (env/ holds the config vars) as the lifecycle sets them.',
  examples: ['CNB_LAYERS_DIR=/layers/pio-deploy_predictionio CNB_PLATFORM_DIR=/platform pio-deploy buildpack cnb-build'],
  action: async () => {
    const layersDir = process.env.CNB_LAYERS_DIR?.trim();
    const platformDir = process.env.CNB_PLATFORM_DIR?.trim();
    if (!layersDir || !platformDir) {
      throw new UserError('CNB_LAYERS_DIR and CNB_PLATFORM_DIR must be set.', {
        hint: 'cnb-build is run by buildpack/bin/build under a CNB lifecycle (e.g. pack build); for Heroku classic use bin/compile.',
      });
    }
    const { cnbBuild } = await import('../../buildpack/cnb-build.js');
    await cnbBuild({ appDir: process.cwd(), layersDir, platformDir, ...fromThisProcess() });
  },
};
