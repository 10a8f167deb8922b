import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { parseAppId } from '../../option-parsers.js';
import { withStorage } from '../../with-storage.js';

export const appNew: CommandDefinition = {
  name: 'new',
  description: 'create an app, its event store and an access key',
  arguments: [{ name: '<name>', description: 'app name' }],
  options: [
    { flags: '--id <id>', description: 'use this app ID instead of the next free one', parse: parseAppId },
    { flags: '--description <text>', description: 'app description' },
    { flags: '--access-key <key>', description: 'use this access key instead of a generated one (at most 64 characters)' },
  ],
  examples: ['pio app new --id 7 --description "Movie ratings" MyApp1'],
  action: async (name: string, options: { id?: number; description?: string; accessKey?: string }) => {
    const { appNew } = await import('../../app.js');
    await withStorage((storage) => appNew(storage, name, options));
  },
};
