import { resolve } from 'node:path';
import type { CommandDefinition } from '../../../lib/command-spec.js';

export const platformStart: CommandDefinition = {
  name: 'start',
  description: 'start the app in a platform dir',
  options: [{ flags: '--app-dir <dir>', description: 'platform dir of the app', required: true }],
  examples: ['pio-deploy platform start --app-dir ~/.pio-deploy/apps/staging'],
  action: async (options: { appDir: string }) => {
    const { startApp } = await import('../../../platform/command-actions.js');
    await startApp(resolve(options.appDir));
  },
};
