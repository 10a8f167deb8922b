import type { CommandDefinition } from '../../../lib/command-spec.js';
import { changeConfigOf } from './change-config.js';

export const remoteConfigUnset: CommandDefinition = {
  name: 'config:unset',
  description:
    'Remove config vars of the app behind git remote <name>; a running app gets a new release (release phase included)',
  arguments: [{ name: '<name>' }, { name: '<NAME...>' }],
  examples: ['pio-deploy remote config:unset staging PIO_TRAIN_ON_RELEASE'],
  action: (name: string, names: string[]) => changeConfigOf(name, 'config:unset', names),
};
