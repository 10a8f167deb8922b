import { resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { createOutput } from '../../lib/output.js';
import { appDirOption } from '../dyno/app-dir-option.js';

export const modelsList: CommandDefinition = {
  name: 'list',
  description: "List the app's engine instances: status, training times, params digest, gate score, which one serves",
  options: [appDirOption],
  examples: [
    'heroku run pio-deploy models list',
    'pio-deploy models list --app-dir /app\n-----> Engine instances of src/engine.ts#createEngine (variant default)\n       ID                                    STATUS     STARTED                   ENDED                     PARAMS    METRIC  SERVING\n       6f1c…                                 COMPLETED  2024-05-02T10:00:00.000Z  2024-05-02T10:00:09.000Z  3a91c0de  0.93    serving',
  ],
  action: async (options: { appDir: string }) => {
    const { listModels } = await import('../../dyno/models.js');
    process.exitCode = await listModels(resolve(options.appDir), process.env, createOutput());
  },
};
