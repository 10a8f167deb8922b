import type { Command } from 'commander';
import { abort } from './console.js';

/** Commands upstream still parses but no longer supports (spec §5.15): same messages, exit 1. */
export function registerRetiredCommands(program: Command): void {
  program
    .command('template', { hidden: true })
    .argument('[args...]')
    .allowUnknownOption()
    .action(() => {
      abort('Console$', 'template commands are no longer supported.', 'Please use git to get and manage your templates.');
    });
  program
    .command('upgrade', { hidden: true })
    .argument('[args...]')
    .allowUnknownOption()
    .action(() => {
      abort('Console$', 'Upgrade is no longer supported');
    });
}
