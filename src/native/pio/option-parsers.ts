import { InvalidArgumentError } from 'commander';

/** Option parsers of the `pio` commands: a bad value is a usage error with upstream's wording. */

export function parseAppId(value: string): number {
  if (!/^\+?\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) > 2147483647) {
    throw new InvalidArgumentError('App ID must be a positive integer (e.g. --id 7).');
  }
  return Number(value);
}

/** `--appid` of import/export. */
export function parseIntOption(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) > 2147483647) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
    }
    return Number(value);
  };
}

/** The engine commands' integers (`--port`, `--verbosity`, `--query-partitions`). */
export const integer =
  (name: string, min = 0) =>
  (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 2147483647) {
      throw new InvalidArgumentError(`${name} must be an integer${min > 0 ? ` of at least ${min}` : ''}.`);
    }
    return Number(value);
  };

/** `pio eventserver --port`. */
export function parseEventServerPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`--port must be an integer from 0 to 65535 (got "${value}").`);
  }
  return port;
}
