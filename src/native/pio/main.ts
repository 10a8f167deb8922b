import { fileURLToPath } from 'node:url';
import { freshBundleEntry } from './bundle.js';

// A reader that stops early (`pio app list | head -1`) closes stdout: stop writing instead of crashing.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// The bundle built by `npm run build` starts several times cheaper than the modules it is made of; it
// is used only while it matches dist/ exactly (see bundle.ts), else the modules themselves run.
const runtimeRoot = fileURLToPath(new URL('../../../', import.meta.url));
const program = (await freshBundleEntry(runtimeRoot)) ?? './program.js';
const { runPio } = (await import(program)) as typeof import('./program.js');

// Entry point of bin/pio. Exit through exitCode (not process.exit) so buffered stdout is flushed.
process.exitCode = await runPio(process.argv.slice(2));
