import { Command, CommanderError } from 'commander';
import { addCommand, helpText } from '../../lib/command-spec.js';
import { isUserError } from '../../lib/errors.js';
import { setPassThroughArgs, splitPioArgv } from './argv.js';
import { PIO_COMMANDS } from './commands/index.js';
import { isPioVerbose, PioExit, pioLogger, setPioVerbose } from '../console/index.js';

/**
 * The native `pio` program: upstream's global options (accepted before or after the command), help on
 * stderr, exit code 1 for usage errors and for `pio help` (BEHAVIOUR.md#pio-invocation).
 */
export function createPioProgram(): Command {
  const program = new Command('pio')
    .description('The native (Spark-free) PredictionIO runtime: apps, access keys, events, engines.')
    .usage('<command> [options] [<args>] [-- <pass-through args>]')
    .option('--pio-home <dir>', 'PredictionIO home (accepted for compatibility)')
    .option('--spark-home <dir>', 'Apache Spark home (accepted for compatibility; not used)')
    .option('--engine-id <id>', 'engine ID (-ei; accepted for compatibility)')
    .option('--engine-version <version>', 'engine version (-ev; accepted for compatibility)')
    .option('--engine-dir <dir>', 'engine directory (-ed; default: current directory)')
    .option('-v, --variant <file>', 'engine variant JSON (default: <engine-dir>/engine.json)')
    .option('--sbt <path>', 'sbt command (accepted for compatibility; not used)')
    .option('--verbose', 'print DEBUG lines and stack traces')
    .option('--spark-kryo', 'Kryo serialization (-sk; accepted for compatibility)')
    .option('--scratch-uri <uri>', 'scratch space URI (accepted for compatibility)')
    .configureOutput({
      writeOut: (text) => process.stderr.write(text),
      writeErr: (text) => process.stderr.write(text),
    })
    .showHelpAfterError()
    .helpCommand(false)
    .addHelpText(
      'after',
      helpText(['pio status', 'pio app new MyApp1', 'pio import --appid 1 --input events.json', 'pio <command> --help']),
    );
  program.hook('preAction', (thisCommand) => {
    setPioVerbose(Boolean(thisCommand.opts().verbose));
  });

  for (const definition of PIO_COMMANDS) addCommand(program, definition);
  return program;
}

/**
 * Runs `pio` with the given arguments (without node and script) and returns the exit code. Commands
 * log their own failures and throw `PioExit`; anything else is logged here as upstream's console does.
 */
export async function runPio(args: readonly string[]): Promise<number> {
  const { args: own, passThrough } = splitPioArgv(args);
  setPassThroughArgs(passThrough);
  const program = createPioProgram();
  program.exitOverride();
  for (const command of allCommands(program)) command.exitOverride();
  try {
    await program.parseAsync(own, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportFailure(error);
  }
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

function reportFailure(error: unknown): number {
  if (error instanceof PioExit) return error.exitCode;
  if (error instanceof CommanderError) {
    // `--help` exits 0; usage errors (already printed with the command's help) exit 1.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 1;
  }
  const log = pioLogger('Console$');
  if (isUserError(error)) {
    log.error(error.message);
    if (error.hint) log.error(error.hint);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  log.error(message);
  // By name: importing the storage module here would slow down every `pio` start.
  if (error instanceof Error && error.name === 'StorageUnavailableError') {
    log.error('Check the database settings (PIO_STORAGE_SOURCES_*, DATABASE_URL) and run `pio status`.');
  }
  if (isPioVerbose() && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}
