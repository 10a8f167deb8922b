import { digitsAt, utcMillis } from '../storage/timestamps.js';

/**
 * Event times as PredictionIO reads and writes them (BEHAVIOUR.md#event-time-format): an instant plus the zone it was given
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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** True for a real calendar date and time of day (fields as `digitsAt` read them: -1 for non-digits). */
function isCalendarDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  return day <= (month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

/**
 * Parses an event time; `undefined` when the text is not an accepted ISO-8601 date-time with zone:
 * `yyyy-MM-dd'T'HH:mm:ss[.f{1,9}]` then `Z` or `±HH[[:]mm]` (`T`/`Z` in either case). A zero offset
 * yields the `UTC` zone, any other offset the zone `±HH:mm`. Hand-written because `pio import` calls
 * it for every line.
 */
export function parseEventTime(text: string): ZonedTime | undefined {
  if (text.length < 20) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const t = text.charCodeAt(10);
  if (
    !isCalendarDateTime(year, month, day, hour, minute, second) || text[4] !== '-' || text[7] !== '-' ||
    (t !== 0x54 && t !== 0x74) || text[13] !== ':' || text[16] !== ':'
  ) {
    return undefined;
  }
  let pos = 19;
  // Joda keeps milliseconds; further fraction digits are dropped, not rounded.
  let millis = 0;
  if (text[pos] === '.') {
    pos++;
    const fractionStart = pos;
    while (pos < text.length && pos - fractionStart < 10) {
      const code = text.charCodeAt(pos) - 48;
      if (code < 0 || code > 9) break;
      if (pos - fractionStart < 3) millis = millis * 10 + code;
      pos++;
    }
    const fractionDigits = pos - fractionStart;
    if (fractionDigits < 1 || fractionDigits > 9) return undefined;
    for (let i = fractionDigits; i < 3; i++) millis *= 10;
  }
  let offset = 0;
  const zone = text[pos];
  if (zone === 'Z' || zone === 'z') {
    if (pos + 1 !== text.length) return undefined;
  } else if (zone === '+' || zone === '-') {
    const rest = text.length - pos - 1;
    const offsetHours = digitsAt(text, pos + 1, 2);
    let offsetMinutes: number;
    if (rest === 2) offsetMinutes = 0;
    else if (rest === 4) offsetMinutes = digitsAt(text, pos + 3, 2);
    else if (rest === 5 && text[pos + 3] === ':') offsetMinutes = digitsAt(text, pos + 4, 2);
    else return undefined;
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined;
    offset = (zone === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  } else {
    return undefined;
  }
  const instant = utcMillis(year, month, day, hour, minute, second, millis) - offset * 60_000;
  return { date: new Date(instant), zone: offset === 0 ? UTC_ZONE : formatOffset(offset) };
}

/**
 * For the canonical UTC form `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (what `pio export` and most clients write)
 * that `parseEventTime` accepts: its epoch millis, without `parseEventTime`'s general branches and
 * objects. `NaN` for any other text (which the caller then gives to `parseEventTime`).
 */
export function canonicalUtcMillis(text: string): number {
  if (
    text.length !== 24 || text.charCodeAt(23) !== 0x5a || text.charCodeAt(10) !== 0x54 || text.charCodeAt(19) !== 0x2e ||
    text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a
  ) {
    return Number.NaN;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const millis = digitsAt(text, 20, 3);
  if (millis < 0 || !isCalendarDateTime(year, month, day, hour, minute, second)) return Number.NaN;
  return utcMillis(year, month, day, hour, minute, second, millis);
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
