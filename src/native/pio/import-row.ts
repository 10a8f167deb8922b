import {
  canonicalUtcMillis,
  decodeEventJson,
  isReservedPrefix,
  mayHoldUnfaithfulNumber,
  parseEventTime,
  UTC_ZONE,
} from '../events/index.js';
import { jsonLimitExceeded } from '../events/json-limits.js';
import { writeImportRow, type CopyRowWriter } from '../storage/copy-rows.js';
import { generateEventId } from '../storage/ids.js';

/**
 * Turns `pio import` lines into COPY rows (`writeImportRow`'s values). A fast path takes the common
 * line (string fields, properties that `JSON.parse` reads exactly, names that pass validation) from
 * `JSON.parse` straight to the row, without the event object or `Date`s. Every other line, including
 * every invalid one, goes through `decodeEventJson` + `writeImportRow`, so the stored values and the
 * error messages are always the event model's: the fast path only ever accepts.
 */
export class ImportRowEncoder {
  /** The non-empty eventId of the last encoded line, if it gave one (for length and duplicate checks). */
  eventId: string | undefined;
  /** Lines the fast path encoded (the rest went through the complete decoder). */
  fastLines = 0;
  private now = new Date();
  private nowMillis = this.now.getTime();

  constructor(
    private readonly writer: CopyRowWriter,
    /** The event table's `maxKeyLength`: longer keys go to the complete decoder, which refuses them. */
    private readonly maxKeyLength?: number,
  ) {}

  /** The receipt time (`creationTime`, and `eventTime` when absent) of the following lines. */
  setNow(now: Date): void {
    this.now = now;
    this.nowMillis = now.getTime();
  }

  /** Writes the row of one non-blank line; throws `InvalidEventError` for an invalid event (writing nothing). */
  encode(line: string): void {
    if (this.writeCommon(line)) return;
    const event = decodeEventJson(line, { now: this.now, maxKeyLength: this.maxKeyLength });
    this.eventId = event.eventId === '' ? undefined : event.eventId;
    writeImportRow(this.writer, event);
  }

  /** Writes the row of a common, valid event; `false` (nothing written) leaves the line to the complete decoder. */
  private writeCommon(line: string): boolean {
    // Past a JSON limit, or with a NUL or surrogate escape, the complete decoder decides (and names the line).
    if (mayHoldUnfaithfulNumber(line) || UNSTORABLE_ESCAPE.test(line) || jsonLimitExceeded(line) !== undefined) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return false;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const value = parsed as Record<string, unknown>;
    const { event, entityType, entityId, targetEntityType, targetEntityId, eventId, prId, properties, eventTime } = value;
    if (typeof event !== 'string' || typeof entityType !== 'string' || typeof entityId !== 'string') return false;
    const longest = this.maxKeyLength;
    if (longest !== undefined && (event.length > longest || entityType.length > longest || entityId.length > longest)) return false;
    if (!isOptionalString(targetEntityType) || !isOptionalString(targetEntityId)) return false;
    if (!isOptionalString(eventId) || !isOptionalString(prId) || !isOptionalString(eventTime)) return false;
    // Validation (validate.ts), as acceptance only.
    const hasTarget = targetEntityType != null;
    if (event === '' || entityType === '' || entityId === '' || hasTarget !== (targetEntityId != null)) return false;
    if (hasTarget && (targetEntityType === '' || targetEntityId === '' || isReservedPrefix(targetEntityType))) return false;
    if (isReservedPrefix(entityType) && entityType !== 'pio_pr') return false;
    if (isReservedPrefix(event) && ((event !== '$set' && event !== '$unset' && event !== '$delete') || hasTarget)) return false;
    let propertiesText: string | undefined;
    if (properties != null) {
      if (typeof properties !== 'object' || Array.isArray(properties)) return false;
      let empty = true;
      for (const key in properties) {
        if (!Object.hasOwn(properties, key)) continue;
        if (isReservedPrefix(key)) return false;
        empty = false;
      }
      if (!empty) propertiesText = JSON.stringify(properties);
    }
    if (propertiesText === undefined && event === '$unset') return false;
    let eventMillis = this.nowMillis;
    let zone = UTC_ZONE;
    if (eventTime != null) {
      eventMillis = canonicalUtcMillis(eventTime);
      if (Number.isNaN(eventMillis)) {
        const zoned = parseEventTime(eventTime);
        if (!zoned) return false;
        eventMillis = zoned.date.getTime();
        zone = zoned.zone;
      }
    }
    this.eventId = eventId == null || eventId === '' ? undefined : eventId;
    const writer = this.writer;
    writer.beginRow();
    writer.text(this.eventId ?? generateEventId());
    writer.text(event);
    writer.text(entityType);
    writer.text(entityId);
    writer.optionalText(targetEntityType);
    writer.optionalText(targetEntityId);
    writer.optionalText(propertiesText);
    writer.timestamp(eventMillis);
    writer.text(zone);
    writer.null();
    writer.optionalText(prId);
    writer.timestamp(this.nowMillis);
    writer.text(UTC_ZONE);
    this.fastLines++;
    return true;
  }
}

/**
 * A NUL or a surrogate escape: PostgreSQL text cannot hold a NUL and a lone surrogate would be stored as
 * U+FFFD, so the complete decoder decides (a 400-style rejection in fields, an escaped store in properties).
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

function isOptionalString(value: unknown): value is string | null | undefined {
  return value == null || typeof value === 'string';
}
