import type { CommandDefinition } from '../../../lib/command-spec.js';
import { appDirOf } from './app-dir.js';

export const remoteStatus: CommandDefinition = {
  name: 'status',
  description: 'Show the release and processes of the app behind git remote <name>',
  arguments: [{ name: '<name>' }],
  examples: ['pio-deploy remote status staging'],
  action: async (name: string) => {
    const [{ statusCommand }, appDir] = await Promise.all([import('../../../platform/command-actions.js'), appDirOf(name)]);
    await statusCommand(appDir);
  },
};
