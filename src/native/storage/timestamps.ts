/**
 * `timestamp` (without time zone) columns hold the UTC wall-clock of the instant (spec §4.4: upstream writes
 * the JVM zone's wall-clock, and PredictionIO deployments run in UTC). Values are bound as text, never as
 * `Date`, because node-postgres would render a `Date` in the process's local zone and PostgreSQL drops
 * the offset when casting to `timestamp`.
 */
export function toUtcWallClock(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('Invalid Date cannot be stored');
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

export function parseUtcWallClock(text: string): Date {
  if (text === 'infinity') return new Date(8.64e15);
  if (text === '-infinity') return new Date(-8.64e15);
  return new Date(`${text.replace(' ', 'T')}Z`);
}
