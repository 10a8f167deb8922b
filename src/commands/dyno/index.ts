import type { CommandDefinition } from '../../lib/command-spec.js';
import { config } from './config.js';
import { loadData } from './load-data.js';
import { release } from './release.js';
import { runtimeConfig } from './runtime-config.js';
import { train } from './train.js';
import { web } from './web.js';

/** Dyno time: config, runtime-config, web, train, release, load-data. */
export const dynoCommands: readonly CommandDefinition[] = [config, runtimeConfig, web, train, release, loadData];
