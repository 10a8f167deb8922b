import { readFileSync } from 'node:fs';

/**
 * The Apache PredictionIO version whose behaviour the native runtime reproduces. `pio version` prints
 * it because scripts compare it; the native runtime's own version is reported by `pio status`.
 */
export const PREDICTIONIO_COMPAT_VERSION = '0.14.0';

let packageVersion: string | undefined;

/** pio-deploy's version (package.json), i.e. the native runtime's own version. */
export function nativeRuntimeVersion(): string {
  packageVersion ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return packageVersion;
}
