import { generateEventId } from './ids.js';
import type { EventInput } from './index.js';
import { toUtcWallClock } from './timestamps.js';

/**
 * Rows in PostgreSQL's COPY text format for `pio import`. Kept free of pg imports: the import's
 * decoding worker thread loads this module.
 */

/** Characters COPY text format escapes: the field and row delimiters, and the escape character. */
const COPY_SPECIALS = /[\\\n\r\t]/;
const COPY_SPECIALS_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** COPY text format: backslash escapes for the characters that delimit fields and rows. */
export function copyText(value: string): string {
  return COPY_SPECIALS.test(value) ? value.replace(COPY_SPECIALS_ALL, (c) => COPY_ESCAPES[c] as string) : value;
}

function identity(value: string): string {
  return value;
}

let lastCreationMillis = Number.NaN;
let lastCreationText = '';

/**
 * One `pio import` row in COPY text format (a line ending in `\n`), with the same column values as
 * `toEventRow(event, { emptyPropertiesAsNull: true })`, built without intermediate arrays because
 * import encodes every line. `noSpecials` is the caller's promise that no string of the event holds a
 * backslash, tab, newline or carriage return (true for anything decoded from a JSON text without a
 * backslash, since JSON strings cannot hold raw control characters), which skips the escaping scans.
 */
export function encodeImportRow(event: EventInput, noSpecials = false): string {
  const text = noSpecials ? identity : copyText;
  const creationTime = event.creationTime ?? new Date();
  // Import gives one creation time to a whole read chunk: format it once.
  if (creationTime.getTime() !== lastCreationMillis) {
    lastCreationText = toUtcWallClock(creationTime);
    lastCreationMillis = creationTime.getTime();
  }
  const propertiesText = event.propertiesText ?? JSON.stringify(event.properties ?? {});
  const empty = event.properties ? isEmptyObject(event.properties) : propertiesText.trim() === '{}';
  return (
    `${event.eventId ? text(event.eventId) : generateEventId()}\t${text(event.event)}\t${text(event.entityType)}\t` +
    `${text(event.entityId)}\t${event.targetEntityType == null ? '\\N' : text(event.targetEntityType)}\t` +
    `${event.targetEntityId == null ? '\\N' : text(event.targetEntityId)}\t${empty ? '\\N' : text(propertiesText)}\t` +
    `${toUtcWallClock(event.eventTime ?? creationTime)}\t${text(event.eventTimeZone ?? 'UTC')}\t` +
    `${event.tags && event.tags.length > 0 ? copyText(event.tags.join(',')) : '\\N'}\t` +
    `${event.prId == null ? '\\N' : text(event.prId)}\t${lastCreationText}\tUTC\n`
  );
}

function isEmptyObject(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}
