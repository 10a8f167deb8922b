import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const accessKeyList: CommandDefinition = {
  name: 'list',
  description: "list access keys (all apps', or one app's)",
  arguments: [{ name: '[app name]', description: 'only this app' }],
  examples: ['pio accesskey list', 'pio accesskey list MyApp1'],
  action: async (appName: string | undefined) => {
    const { accessKeyList } = await import('../../accesskey.js');
    await withStorage((storage) => accessKeyList(storage, appName));
  },
};
