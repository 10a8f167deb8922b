import type { Command } from 'commander';
import type { CommandDefinition } from '../../../lib/command-spec.js';
import type { GlobalOptions } from '../engine-command.js';

export const build: CommandDefinition = {
  name: 'build',
  description: 'compile (bundle) and check the engine in the engine directory',
  options: [
    { flags: '--sbt-extra <args>', description: 'accepted for compatibility; not used' },
    { flags: '--clean', description: 'remove previous build output (target/) first' },
    { flags: '--no-asm', description: 'accepted for compatibility (there is no assembly jar)' },
    { flags: '--uber-jar', description: 'accepted for compatibility; not used' },
    { flags: '--generate-pio-sbt', description: 'accepted for compatibility; not used' },
  ],
  examples: ['pio build', 'pio build --clean --engine-dir templates/engines/recommendation'],
  action: async (options: { clean?: boolean }, command: Command) => {
    const { consoleLines, runEngineCommand } = await import('../engine-command.js');
    await runEngineCommand(async () => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { runBuild } = await import('../../workflow/build.js');
      await runBuild({ engineDir: globals.engineDir, variant: globals.variant, clean: options.clean }, { console: consoleLines });
    });
  },
};
