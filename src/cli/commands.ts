import type { Command } from 'commander';
import { registerPlatformCommands } from '../platform/commands.js';
import { registerBuildpackCommands } from '../buildpack/compile-command.js';
import { registerRuntimeCommands } from '../buildpack/runtime-commands.js';
import { registerDistCommands } from '../distributions/pack-command.js';
import { registerLifecycleCommands } from '../lifecycle/commands.js';

/**
 * Every pio-deploy subcommand is registered here, one line per area, so the whole command surface is
 * visible in one place. Each area's register function adds its commands (with --help examples).
 */
export function registerCommands(program: Command): void {
  void program;
  registerPlatformCommands(program);
  registerBuildpackCommands(program);
  registerRuntimeCommands(program);
  registerDistCommands(program);
  registerLifecycleCommands(program);
}
