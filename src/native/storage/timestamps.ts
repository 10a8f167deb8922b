/**
 * `timestamp` (without time zone) columns hold the UTC wall-clock of the instant (BEHAVIOUR.md#value-encodings: upstream writes
 * the JVM zone's wall-clock, and PredictionIO deployments run in UTC). Values are bound as text, never as
 * `Date`, because node-postgres would render a `Date` in the process's local zone and PostgreSQL drops
 * the offset when casting to `timestamp`.
 */
export function toUtcWallClock(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('Invalid Date cannot be stored');
  const year = date.getUTCFullYear();
  // Assembled by hand for 4-digit years (every row of `pio import` has two timestamps: this is about
  // three times faster than editing `toISOString()`); other years keep toISOString's sign and padding.
  if (year < 1000 || year > 9999) return date.toISOString().replace('T', ' ').replace('Z', '');
  const ms = date.getUTCMilliseconds();
  return (
    `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} ` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.` +
    (ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : `${ms}`)
  );
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/** Reads a `timestamp` column value (`2020-01-02 03:04:05.678`, fraction optional, ` BC` for BC years) as a UTC instant. */
export function parseUtcWallClock(text: string): Date {
  if (text === 'infinity') return new Date(8.64e15);
  if (text === '-infinity') return new Date(-8.64e15);
  const millis = parseWallClockMillis(text);
  if (millis !== undefined) return new Date(millis);
  return new Date(`${text.replace(' ', 'T')}Z`);
}

/**
 * `yyyy-MM-dd HH:mm:ss[.f{1,6}][ BC]` by hand (export reads two per row, and `Date` string parsing is
 * slow); `undefined` for anything else (5-digit years), which the caller leaves to `Date`.
 */
function parseWallClockMillis(text: string): number | undefined {
  const bc = text.endsWith(' BC');
  const length = bc ? text.length - 3 : text.length;
  if (length < 19 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(10) !== 0x20 || (length > 19 && text.charCodeAt(19) !== 0x2e)) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0) return undefined;
  let millis = 0;
  if (length > 19) {
    const fractionDigits = length - 20;
    if (fractionDigits < 1 || fractionDigits > 6) return undefined;
    const fraction = digitsAt(text, 20, fractionDigits);
    if (fraction < 0) return undefined;
    // Dates hold whole milliseconds: microseconds are truncated, as `new Date(text)` does.
    millis = fractionDigits <= 3 ? fraction * 10 ** (3 - fractionDigits) : Math.floor(fraction / 10 ** (fractionDigits - 3));
  }
  return utcMillis(bc ? 1 - year : year, month, day, hour, minute, second, millis);
}

/**
 * Epoch millis of a UTC wall-clock time, also for years 0-99 (which `Date.UTC` would read as 19xx) and
 * astronomical years below 1 (year 0 is 1 BC).
 */
export function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** The number in `count` ASCII digits at `start`, or -1 when any of them is not a digit. */
export function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}
