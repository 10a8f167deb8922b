import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { accessKeyDelete } from './delete.js';
import { accessKeyList } from './list.js';
import { accessKeyNew } from './new.js';

export const accesskey: CommandDefinition = {
  name: 'accesskey',
  description: "manage an app's access keys (optionally limited to some event names)",
  examples: ['pio accesskey new MyApp1 rate buy', 'pio accesskey list MyApp1'],
  commands: [accessKeyNew, accessKeyList, accessKeyDelete],
};
