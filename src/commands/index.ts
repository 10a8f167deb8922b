import type { CommandDefinition } from '../lib/command-spec.js';

/**
 * Every pio-deploy command, by area: one file per command under src/commands/<area>/, and this list
 * is the whole command surface. An area's definitions load together (bin/pio-deploy declares them all
 * before parsing); each action imports its implementation when it runs, so starting the CLI loads
 * commander and these definitions only. An area that fails to load costs only its own commands.
 */
export const COMMAND_AREAS: ReadonlyArray<{ area: string; load: () => Promise<readonly CommandDefinition[]> }> = [
  { area: 'local platform', load: async () => (await import('./platform/index.js')).platformCommands },
  { area: 'buildpack', load: async () => [(await import('./buildpack/index.js')).buildpack] },
  { area: 'runtime', load: async () => (await import('./dyno/index.js')).dynoCommands },
  { area: 'models', load: async () => [(await import('./models/index.js')).models] },
  { area: 'dist', load: async () => [(await import('./dist/index.js')).dist] },
  { area: 'lifecycle', load: async () => (await import('./lifecycle/index.js')).lifecycleCommands },
];
