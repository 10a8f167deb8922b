import type { CommandDefinition } from '../../../lib/command-spec.js';
import { platformReceive } from './receive.js';
import { platformRouter } from './router.js';
import { platformStart } from './start.js';
import { platformStatus } from './status.js';
import { platformStop } from './stop.js';

/** `pio-deploy platform …`: plumbing used by the git hook and the router daemon, and for apps addressed by directory. */
export const platform: CommandDefinition = {
  name: 'platform',
  hidden: true,
  description: 'Local platform plumbing',
  examples: ['pio-deploy platform status --app-dir ~/.pio-deploy/apps/staging'],
  commands: [platformReceive, platformRouter, platformStart, platformStop, platformStatus],
};
