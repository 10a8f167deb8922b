import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const appChannelNew: CommandDefinition = {
  name: 'channel-new',
  description: 'create a channel (a separate event store) in an app',
  arguments: [
    { name: '<name>', description: 'app name' },
    { name: '<channel>', description: 'channel name: letters, digits and -, at most 16 characters' },
  ],
  examples: ['pio app channel-new MyApp1 mobile'],
  action: async (name: string, channel: string) => {
    const { channelNew } = await import('../../app.js');
    await withStorage((storage) => channelNew(storage, name, channel));
  },
};
