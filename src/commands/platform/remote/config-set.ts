import type { CommandDefinition } from '../../../lib/command-spec.js';
import { changeConfigOf } from './change-config.js';

export const remoteConfigSet: CommandDefinition = {
  name: 'config:set',
  description:
    'Set config vars of the app behind git remote <name>; a running app gets a new release (release phase included)',
  arguments: [{ name: '<name>' }, { name: '<NAME=value...>' }],
  examples: ['pio-deploy remote config:set staging PIO_EVENTSERVER_APP_NAME=my-app'],
  action: (name: string, assignments: string[]) => changeConfigOf(name, 'config:set', assignments),
};
