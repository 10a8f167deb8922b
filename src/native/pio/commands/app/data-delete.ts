import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const appDataDelete: CommandDefinition = {
  name: 'data-delete',
  description: "delete an app's events (default channel, one channel, or all)",
  arguments: [{ name: '<name>', description: 'app name' }],
  options: [
    { flags: '--channel <name>', description: 'delete the events of this channel only' },
    { flags: '--all', description: 'delete the events of the default channel and of every channel' },
    { flags: '-f, --force', description: 'do not ask for confirmation' },
  ],
  examples: ['pio app data-delete MyApp1 --all --force'],
  action: async (name: string, options: { channel?: string; all?: boolean; force?: boolean }) => {
    const { appDataDelete } = await import('../../app.js');
    await withStorage((storage) => appDataDelete(storage, name, options));
  },
};
