import type { CommandDefinition } from '../../../../lib/command-spec.js';
import { appChannelDelete } from './channel-delete.js';
import { appChannelNew } from './channel-new.js';
import { appDataDelete } from './data-delete.js';
import { appDelete } from './delete.js';
import { appList } from './list.js';
import { appNew } from './new.js';
import { appShow } from './show.js';

export const app: CommandDefinition = {
  name: 'app',
  description: 'manage apps (event stores with access keys and channels)',
  examples: ['pio app new MyApp1', 'pio app list', 'pio app show MyApp1'],
  commands: [appNew, appList, appShow, appDelete, appDataDelete, appChannelNew, appChannelDelete],
};
