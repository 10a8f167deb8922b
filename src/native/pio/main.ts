import { fileURLToPath } from 'node:url';
import { stopWhenParentDies } from '../../lib/process-tree.js';
import { freshBundleEntry } from './bundle.js';

// Started by pio-deploy with the parent pipe: when pio-deploy dies (even by SIGKILL), stop as if the
// platform had stopped us, so no import or training outlives the release that started it.
stopWhenParentDies(process.env, () => process.kill(process.pid, 'SIGTERM'));

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
