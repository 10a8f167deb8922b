import type { CommandDefinition } from '../../../lib/command-spec.js';
import { PREDICTIONIO_COMPAT_VERSION } from '../../version/index.js';

export const version: CommandDefinition = {
  name: 'version',
  description: `print the PredictionIO version this runtime is compatible with (${PREDICTIONIO_COMPAT_VERSION})`,
  examples: [`pio version\n${PREDICTIONIO_COMPAT_VERSION}`],
  action: () => {
    process.stdout.write(`${PREDICTIONIO_COMPAT_VERSION}\n`);
  },
};
