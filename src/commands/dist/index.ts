import type { CommandDefinition } from '../../lib/command-spec.js';
import { distPack } from './pack.js';

export const dist: CommandDefinition = {
  name: 'dist',
  description: 'Native PredictionIO distribution tools',
  examples: ['pio-deploy dist pack --output ./out'],
  commands: [distPack],
};
