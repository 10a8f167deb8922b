import { resolve } from 'node:path';
import type { CommandDefinition } from '../../../lib/command-spec.js';

export const platformStatus: CommandDefinition = {
  name: 'status',
  description: 'status the app in a platform dir',
  options: [{ flags: '--app-dir <dir>', description: 'platform dir of the app', required: true }],
  examples: ['pio-deploy platform status --app-dir ~/.pio-deploy/apps/staging'],
  action: async (options: { appDir: string }) => {
    const { statusCommand } = await import('../../../platform/command-actions.js');
    await statusCommand(resolve(options.appDir));
  },
};
