/**
 * Dates as Elasticsearch 5 reads them for `date` fields and range queries
 * (`strict_date_optional_time||epoch_millis`): ISO 8601 with optional time, fraction and zone (no
 * zone = UTC), fractions truncated to milliseconds; or a number of epoch milliseconds.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

export function parseEsDate(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed) && !/^\d{4}-/.test(trimmed)) return Number(trimmed);
  const match = ISO.exec(trimmed);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const millis = Number((fraction + '000').slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    time -= sign * offsetMinutes * 60_000;
  }
  return Number.isFinite(time) ? time : undefined;
}

/** Joda's `DateTime.now().toDateTimeISO.toString` in UTC: what upstream sends as the current date. */
export function isoNow(now: Date = new Date()): string {
  return now.toISOString();
}
