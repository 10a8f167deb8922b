// `node --import ./trace-register.mjs …`: registers trace-hooks.mjs (ES modules) in the loader thread and,
// at exit, appends the CommonJS modules (which the ESM hooks do not see) from the shared require cache.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./trace-hooks.mjs', import.meta.url);
const require = createRequire(import.meta.url);
process.on('exit', () => {
  const log = process.env.PIO_TRACE_MODULES_LOG;
  if (!log) return;
  const cjs = Object.keys(require.cache).map((file) => `${pathToFileURL(file).href}\n`);
  appendFileSync(log, cjs.join(''));
});
