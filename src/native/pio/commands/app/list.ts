import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { withStorage } from '../../with-storage.js';

export const appList: CommandDefinition = {
  name: 'list',
  description: 'list apps with their access keys',
  examples: ['pio app list'],
  action: async () => withStorage((await import('../../app.js')).appList),
};
