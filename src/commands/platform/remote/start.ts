import type { CommandDefinition } from '../../../lib/command-spec.js';
import { appDirOf } from './app-dir.js';

export const remoteStart: CommandDefinition = {
  name: 'start',
  description: 'Start the app behind git remote <name> again with its current release',
  arguments: [{ name: '<name>' }],
  examples: ['pio-deploy remote start staging'],
  action: async (name: string) => {
    const [{ startApp }, appDir] = await Promise.all([import('../../../platform/command-actions.js'), appDirOf(name)]);
    await startApp(appDir);
  },
};
