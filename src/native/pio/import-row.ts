import {
  canonicalUtcWallClock,
  decodeEventJson,
  isReservedPrefix,
  mayHoldUnfaithfulNumber,
  parseEventTime,
  UTC_ZONE,
} from '../events/index.js';
import { copyText, encodeImportRow } from '../storage/copy-rows.js';
import { generateEventId } from '../storage/ids.js';
import { toUtcWallClock } from '../storage/timestamps.js';

/**
 * Turns `pio import` lines into COPY rows (`encodeImportRow`'s format). A fast path takes the common
 * line (string fields, properties that `JSON.parse` reads exactly, names that pass validation) from
 * `JSON.parse` straight to the row text, without the event object, `Date`s or escaping scans. Every
 * other line, including every invalid one, goes through `decodeEventJson` + `encodeImportRow`, so the
 * stored values and the error messages are always the event model's: the fast path only ever accepts.
 */
export class ImportRowEncoder {
  /** The non-empty eventId of the last encoded line, if it gave one (for length and duplicate checks). */
  eventId: string | undefined;
  private now = new Date();
  private nowWallClock = toUtcWallClock(this.now);

  /** The receipt time (`creationTime`, and `eventTime` when absent) of the following lines. */
  setNow(now: Date): void {
    this.now = now;
    this.nowWallClock = toUtcWallClock(now);
  }

  /** The row (ending in `\n`) for one non-blank line; throws `InvalidEventError` for an invalid event. */
  encode(line: string): string {
    // JSON strings cannot hold raw tabs or line breaks: without a backslash no value needs COPY escapes.
    const plainText = line.indexOf('\\') === -1;
    const row = this.encodeCommon(line, plainText);
    if (row !== undefined) return row;
    const event = decodeEventJson(line, { now: this.now });
    this.eventId = event.eventId === '' ? undefined : event.eventId;
    return encodeImportRow(event, plainText);
  }

  /** The row of a common, valid event; `undefined` leaves the line to the complete decoder. */
  private encodeCommon(line: string, plainText: boolean): string | undefined {
    if (mayHoldUnfaithfulNumber(line)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const value = parsed as Record<string, unknown>;
    const { event, entityType, entityId, targetEntityType, targetEntityId, eventId, prId, properties, eventTime } = value;
    if (typeof event !== 'string' || typeof entityType !== 'string' || typeof entityId !== 'string') return undefined;
    if (!isOptionalString(targetEntityType) || !isOptionalString(targetEntityId)) return undefined;
    if (!isOptionalString(eventId) || !isOptionalString(prId) || !isOptionalString(eventTime)) return undefined;
    // Validation (validate.ts), as acceptance only.
    const hasTarget = targetEntityType != null;
    if (event === '' || entityType === '' || entityId === '' || hasTarget !== (targetEntityId != null)) return undefined;
    if (hasTarget && (targetEntityType === '' || targetEntityId === '' || isReservedPrefix(targetEntityType))) return undefined;
    if (isReservedPrefix(entityType) && entityType !== 'pio_pr') return undefined;
    const special = isReservedPrefix(event);
    if (special && ((event !== '$set' && event !== '$unset' && event !== '$delete') || hasTarget)) return undefined;
    let propertiesColumn = '\\N';
    if (properties != null) {
      if (typeof properties !== 'object' || Array.isArray(properties)) return undefined;
      let empty = true;
      for (const key in properties) {
        if (!Object.hasOwn(properties, key)) continue;
        if (isReservedPrefix(key)) return undefined;
        empty = false;
      }
      if (!empty) {
        const text = JSON.stringify(properties);
        propertiesColumn = plainText ? text : copyText(text);
      } else if (event === '$unset') {
        return undefined;
      }
    } else if (event === '$unset') {
      return undefined;
    }
    let eventTimeColumn = this.nowWallClock;
    let zone = UTC_ZONE;
    if (eventTime != null) {
      const canonical = canonicalUtcWallClock(eventTime);
      if (canonical !== undefined) {
        eventTimeColumn = canonical;
      } else {
        const zoned = parseEventTime(eventTime);
        if (!zoned) return undefined;
        eventTimeColumn = toUtcWallClock(zoned.date);
        zone = zoned.zone;
      }
    }
    const text = plainText ? identity : copyText;
    this.eventId = eventId == null || eventId === '' ? undefined : eventId;
    return (
      `${this.eventId === undefined ? generateEventId() : text(this.eventId)}\t${text(event)}\t${text(entityType)}\t${text(entityId)}\t` +
      `${hasTarget ? `${text(targetEntityType)}\t${text(targetEntityId as string)}` : '\\N\t\\N'}\t${propertiesColumn}\t` +
      `${eventTimeColumn}\t${zone}\t\\N\t${prId == null ? '\\N' : text(prId)}\t${this.nowWallClock}\tUTC\n`
    );
  }
}

function isOptionalString(value: unknown): value is string | null | undefined {
  return value == null || typeof value === 'string';
}

function identity(value: string): string {
  return value;
}
