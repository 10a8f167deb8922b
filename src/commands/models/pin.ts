import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { appDirOption } from '../dyno/app-dir-option.js';

export const modelsPin: CommandDefinition = {
  name: 'pin',
  description: 'Serve this engine instance on every web dyno (within one poll interval) until unpinned',
  arguments: [{ name: '<id>', description: 'an engine instance id from pio-deploy models list' }],
  options: [appDirOption],
  examples: ['heroku run pio-deploy models pin 6f1c2d3e-0000-4000-8000-000000000000'],
  action: async (id: string, options: { appDir: string }) => {
    const { pinModel } = await import('../../dyno/models.js');
    process.exitCode = await pinModel(resolve(options.appDir), process.env, createOutput(), id);
  },
};
