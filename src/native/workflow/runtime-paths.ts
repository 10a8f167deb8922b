import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * Paths inside the pio-deploy installation running this code (the checkout, or the copy vendored into a
 * slug at `<app>/.pio-deploy`): engines are bundled against its engine API and its node_modules.
 */
export const runtimeRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const runtimeNodeModules = join(runtimeRoot, 'node_modules');
export const engineApiEntry = join(runtimeRoot, 'dist', 'native', 'engine', 'index.js');
export { nativeRuntimeVersion as runtimeVersion } from '../version/index.js';
