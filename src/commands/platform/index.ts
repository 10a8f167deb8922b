import type { CommandDefinition } from '../../lib/command-spec.js';
import { platform } from './plumbing/index.js';
import { remote } from './remote/index.js';
import { up } from './up.js';

/** The local platform: `pio-deploy up`, `pio-deploy remote …` and the hidden `pio-deploy platform …` plumbing. */
export const platformCommands: readonly CommandDefinition[] = [up, remote, platform];
