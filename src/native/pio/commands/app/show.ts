import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const appShow: CommandDefinition = {
  name: 'show',
  description: "show an app's ID, description, access keys and channels",
  arguments: [{ name: '<name>', description: 'app name' }],
  examples: ['pio app show MyApp1'],
  action: async (name: string) => {
    const { appShow } = await import('../../app.js');
    await withStorage((storage) => appShow(storage, name));
  },
};
