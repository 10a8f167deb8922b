import type { CommandDefinition } from '../../../lib/command-spec.js';
import { appDirOf } from './app-dir.js';

export const remoteStop: CommandDefinition = {
  name: 'stop',
  description: 'Stop the app behind git remote <name> (router and web process)',
  arguments: [{ name: '<name>' }],
  examples: ['pio-deploy remote stop staging'],
  action: async (name: string) => {
    const [{ stopAppCommand }, appDir] = await Promise.all([import('../../../platform/command-actions.js'), appDirOf(name)]);
    await stopAppCommand(appDir);
  },
};
