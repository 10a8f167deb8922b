import { runPio } from './program.js';

// A reader that stops early (`pio app list | head -1`) closes stdout: stop writing instead of crashing.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// Entry point of bin/pio. Exit through exitCode (not process.exit) so buffered stdout is flushed.
process.exitCode = await runPio(process.argv.slice(2));
