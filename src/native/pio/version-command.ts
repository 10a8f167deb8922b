import type { Command } from 'commander';
import { PREDICTIONIO_COMPAT_VERSION } from './version.js';

export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description(`print the PredictionIO version this runtime is compatible with (${PREDICTIONIO_COMPAT_VERSION})`)
    .addHelpText('after', '\nExample:\n  $ pio version\n  0.14.0')
    .action(() => {
      process.stdout.write(`${PREDICTIONIO_COMPAT_VERSION}\n`);
    });
}
