import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRuntimeBundle } from './bundle.js';

// `npm run build` runs this after tsc: `node dist/native/pio/build-bundle.js [runtime root]`.
const runtimeRoot = resolve(process.argv[2] ?? fileURLToPath(new URL('../../../', import.meta.url)));
const result = await buildRuntimeBundle(runtimeRoot);
process.stdout.write(
  `Bundled the native runtime: ${result.inputs} modules into ${result.files} files ` +
    `(${(result.bytes / 1024 / 1024).toFixed(1)} MB incl. source maps) in ${Math.round(result.elapsedMs)} ms.\n`,
);
