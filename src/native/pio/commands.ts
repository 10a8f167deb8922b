import type { Command } from 'commander';
import { registerEventServerCommand } from '../eventserver/command.js';
import { registerEngineCommands } from '../workflow/commands.js';
import { registerAccessKeyCommands } from './accesskey.js';
import { registerAppCommands } from './app.js';
import { registerExportCommand } from './export.js';
import { registerImportCommand } from './import.js';
import { registerRetiredCommands } from './retired.js';
import { registerStatusCommand } from './status.js';
import { registerVersionCommand } from './version-command.js';

/**
 * Every native `pio` command is registered here, one line per area. Registration must stay cheap
 * (`pio` starts in well under a second): heavy modules (pg, storage, engines, fastify) are imported
 * inside the command actions.
 */
export function registerPioCommands(program: Command): void {
  registerVersionCommand(program);
  registerStatusCommand(program);
  registerAppCommands(program);
  registerAccessKeyCommands(program);
  registerImportCommand(program);
  registerExportCommand(program);
  registerEventServerCommand(program);
  registerEngineCommands(program);
  registerRetiredCommands(program);
}
