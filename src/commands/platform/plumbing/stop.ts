import { resolve } from 'node:path';
import type { CommandDefinition } from '../../../lib/command-spec.js';

export const platformStop: CommandDefinition = {
  name: 'stop',
  description: 'stop the app in a platform dir',
  options: [{ flags: '--app-dir <dir>', description: 'platform dir of the app', required: true }],
  examples: ['pio-deploy platform stop --app-dir ~/.pio-deploy/apps/staging'],
  action: async (options: { appDir: string }) => {
    const { stopAppCommand } = await import('../../../platform/command-actions.js');
    await stopAppCommand(resolve(options.appDir));
  },
};
