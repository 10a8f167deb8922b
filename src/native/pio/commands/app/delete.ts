import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const appDelete: CommandDefinition = {
  name: 'delete',
  description: 'delete an app with all its events, channels and access keys',
  arguments: [{ name: '<name>', description: 'app name' }],
  options: [{ flags: '-f, --force', description: 'do not ask for confirmation' }],
  examples: ['pio app delete MyApp1 --force'],
  action: async (name: string, options: { force?: boolean }) => {
    const { appDelete } = await import('../../app.js');
    await withStorage((storage) => appDelete(storage, name, Boolean(options.force)));
  },
};
