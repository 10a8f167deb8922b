import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { appDirOption } from '../dyno/app-dir-option.js';

export const modelsRollback: CommandDefinition = {
  name: 'rollback',
  description: 'Pin the completed training before the one serving now',
  options: [appDirOption],
  examples: ['heroku run pio-deploy models rollback'],
  action: async (options: { appDir: string }) => {
    const { rollbackModel } = await import('../../dyno/models.js');
    process.exitCode = await rollbackModel(resolve(options.appDir), process.env, createOutput());
  },
};
