import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const accessKeyDelete: CommandDefinition = {
  name: 'delete',
  description: 'delete an access key (succeeds also when it does not exist, as upstream)',
  arguments: [{ name: '<key>', description: 'the access key' }],
  examples: ['pio accesskey delete <key>'],
  action: async (key: string) => {
    const { accessKeyDelete } = await import('../../accesskey.js');
    await withStorage((storage) => accessKeyDelete(storage, key));
  },
};
