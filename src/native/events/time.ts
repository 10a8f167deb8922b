/**
 * Event times as PredictionIO reads and writes them (spec §1.5): an instant plus the zone it was given
 * in. Parsing follows Joda's `ISODateTimeFormat.dateTime()` then `dateTimeNoMillis()` with the offset
 * kept; printing is `yyyy-MM-dd'T'HH:mm:ss.SSS` + `Z` or `±HH:mm` of the value's own zone.
 */

export interface ZonedTime {
  /** The instant (millisecond precision). */
  date: Date;
  /** `UTC`, a fixed offset like `-08:00`, or (for values written by other tools) a named zone. */
  zone: string;
}

export const UTC_ZONE = 'UTC';

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Epoch millis of a UTC wall-clock time (also for years 0-99, which `Date.UTC` would shift to 19xx). */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/**
 * Parses an event time; `undefined` when the text is not an accepted ISO-8601 date-time with zone.
 * A zero offset yields the `UTC` zone, any other offset the zone `±HH:mm`.
 */
export function parseEventTime(text: string): ZonedTime | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  // Joda keeps milliseconds; further fraction digits are dropped, not rounded.
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  let offset = 0;
  if (zulu === undefined) {
    const oh = Number(offsetHours);
    const om = offsetMinutes === undefined ? 0 : Number(offsetMinutes);
    if (oh > 23 || om > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const instant = utcMillis(year, month, day, hour, minute, second, millis) - offset * 60_000;
  return { date: new Date(instant), zone: offset === 0 ? UTC_ZONE : formatOffset(offset) };
}

/** `±HH:mm` for an offset in minutes. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/;
const namedZoneFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone's offset from UTC in minutes at an instant: 0 for `UTC`/`Z`, the value of a fixed offset,
 * and the rule-based offset for a named zone. An unknown zone id reads as UTC rather than failing,
 * so a row written by another tool can always be emitted.
 */
export function zoneOffsetMinutes(zone: string, date: Date): number {
  if (zone === UTC_ZONE || zone === 'Z' || zone === 'GMT' || zone === 'Etc/UTC') return 0;
  const fixed = FIXED_OFFSET.exec(zone);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3]);
    return fixed[1] === '-' ? -minutes : minutes;
  }
  let formatter = namedZoneFormatters.get(zone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      return 0;
    }
    namedZoneFormatters.set(zone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(date)) parts[part.type] = part.value;
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  const wallClock = utcMillis(
    year,
    Number(parts.month),
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
    0,
  );
  const instantSeconds = Math.floor(date.getTime() / 1000) * 1000;
  return Math.round((wallClock - instantSeconds) / 60_000);
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSS` + `Z` (zero offset) or `±HH:mm`, in the given zone. */
export function formatEventTime(date: Date, zone: string = UTC_ZONE): string {
  if (zone === UTC_ZONE) {
    const year = date.getUTCFullYear();
    if (year >= 0 && year <= 9999) return date.toISOString();
  }
  const offset = zoneOffsetMinutes(zone, date);
  const wall = new Date(date.getTime() + offset * 60_000);
  const year = wall.getUTCFullYear();
  const yearText = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : String(year);
  const ms = wall.getUTCMilliseconds();
  const msText = ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : String(ms);
  return (
    `${yearText}-${pad2(wall.getUTCMonth() + 1)}-${pad2(wall.getUTCDate())}` +
    `T${pad2(wall.getUTCHours())}:${pad2(wall.getUTCMinutes())}:${pad2(wall.getUTCSeconds())}.${msText}` +
    (offset === 0 ? 'Z' : formatOffset(offset))
  );
}
