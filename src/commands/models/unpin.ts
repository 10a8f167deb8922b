import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { appDirOption } from '../dyno/app-dir-option.js';

export const modelsUnpin: CommandDefinition = {
  name: 'unpin',
  description: 'Remove the pin: the newest completed training serves again',
  options: [appDirOption],
  examples: ['heroku run pio-deploy models unpin'],
  action: async (options: { appDir: string }) => {
    const { unpinModel } = await import('../../dyno/models.js');
    process.exitCode = await unpinModel(resolve(options.appDir), process.env, createOutput());
  },
};
