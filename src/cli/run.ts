import { Command, CommanderError } from 'commander';
import { isUserError } from '../lib/errors.js';
import { ERROR_PREFIX } from '../lib/output.js';
import { loadLazyHelpFor } from '../lib/lazy-help.js';

/**
 * Runs a commander program and turns failures into the exit-code contract every command keeps:
 * a UserError prints its message (and hint) on stderr without a stack and exits with its code.
 */
export async function runProgram(program: Command, argv: string[] = process.argv): Promise<void> {
  program.exitOverride();
  try {
    await loadLazyHelpFor(program, argv.slice(2));
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (isUserError(error)) {
      process.stderr.write(`${ERROR_PREFIX}${error.message.split('\n').join(`\n${ERROR_PREFIX}`)}\n`);
      if (error.hint) process.stderr.write(`${ERROR_PREFIX}${error.hint}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}
