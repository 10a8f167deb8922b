import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const appChannelDelete: CommandDefinition = {
  name: 'channel-delete',
  description: 'delete a channel and its events',
  arguments: [
    { name: '<name>', description: 'app name' },
    { name: '<channel>', description: 'channel name' },
  ],
  options: [{ flags: '-f, --force', description: 'do not ask for confirmation' }],
  examples: ['pio app channel-delete MyApp1 mobile --force'],
  action: async (name: string, channel: string, options: { force?: boolean }) => {
    const { channelDelete } = await import('../../app.js');
    await withStorage((storage) => channelDelete(storage, name, channel, Boolean(options.force)));
  },
};
