import type { CommandDefinition } from '../../lib/command-spec.js';
import { init } from './init.js';
import { quickstart } from './quickstart.js';
import { smoke } from './smoke.js';

/** `pio-deploy init`, `pio-deploy smoke` and `pio-deploy quickstart`. */
export const lifecycleCommands: readonly CommandDefinition[] = [init, smoke, quickstart];
