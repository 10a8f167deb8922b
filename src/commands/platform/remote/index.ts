import type { CommandDefinition } from '../../../lib/command-spec.js';
import { remoteAdd } from './add.js';
import { remoteConfig } from './config.js';
import { remoteConfigSet } from './config-set.js';
import { remoteConfigUnset } from './config-unset.js';
import { remoteLogs } from './logs.js';
import { remoteStart } from './start.js';
import { remoteStatus } from './status.js';
import { remoteStop } from './stop.js';

export const remote: CommandDefinition = {
  name: 'remote',
  description: 'A local git-push platform: `git push <name> main` builds, releases and deploys with zero downtime',
  examples: ['pio-deploy remote add staging && git push staging main'],
  commands: [remoteAdd, remoteStop, remoteStart, remoteStatus, remoteLogs, remoteConfig, remoteConfigSet, remoteConfigUnset],
};
