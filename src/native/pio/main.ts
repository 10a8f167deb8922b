import { runPio } from './program.js';

// Entry point of bin/pio. Exit through exitCode (not process.exit) so buffered stdout is flushed.
process.exitCode = await runPio(process.argv.slice(2));
