import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const accessKeyNew: CommandDefinition = {
  name: 'new',
  description: 'create an access key for an app; listing events limits the key to them',
  arguments: [
    { name: '<app name>', description: 'app name' },
    { name: '[events...]', description: 'allowed event names (default: all events)' },
  ],
  options: [{ flags: '--key <key>', description: 'use this key instead of a generated one (at most 64 characters)' }],
  examples: ['pio accesskey new MyApp1', 'pio accesskey new --key my-own-key MyApp1 rate buy'],
  action: async (appName: string, events: string[], options: { key?: string }) => {
    const { accessKeyNew } = await import('../../accesskey.js');
    await withStorage((storage) => accessKeyNew(storage, appName, events, options.key));
  },
};
