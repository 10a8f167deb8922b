import { readFileSync } from 'node:fs';

/**
 * The Apache PredictionIO version whose behaviour the native runtime reproduces. `pio version` prints
 * it because scripts compare it, and engine templates are checked against it; the native runtime's own
 * version is reported by `pio status`.
 */
export const PREDICTIONIO_COMPAT_VERSION = '0.14.0';

// This module reads package.json relative to itself: it stays at dist/native/<dir>/, the depth the
// runtime bundle (dist/native/bundle/) has too, so the path resolves alike from both.
let packageVersion: string | undefined;

/** pio-deploy's version (package.json), i.e. the native runtime's own version. */
export function nativeRuntimeVersion(): string {
  packageVersion ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return packageVersion;
}
