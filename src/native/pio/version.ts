import { readFileSync } from 'node:fs';

/** `pio status` reports this; `pio version` prints PREDICTIONIO_COMPAT_VERSION (compat-version.ts) instead. */
let packageVersion: string | undefined;

/** pio-deploy's version (package.json), i.e. the native runtime's own version. */
export function nativeRuntimeVersion(): string {
  packageVersion ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return packageVersion;
}
