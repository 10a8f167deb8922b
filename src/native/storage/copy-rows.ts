import { EVENT_COLUMNS } from './ddl.js';
import { generateEventId } from './ids.js';
import type { EventInput } from './types.js';

/**
 * Event rows in PostgreSQL's binary COPY format: every event write (import, REST batches, group commit)
 * is a COPY. Binary rather than text because PostgreSQL then skips parsing every value (above all the
 * two timestamps per row): measured, it needs about a fifth less CPU for the same rows.
 *
 * Format (PostgreSQL docs, "COPY … Binary Format"): a header, then per row an int16 field count and per
 * field an int32 byte length (-1 for NULL) followed by the value's binary form: UTF-8 bytes for
 * text/varchar, int64 microseconds since 2000-01-01 for `timestamp`. A trailer of int16 -1 ends the data.
 */

/** `PGCOPY\n\377\r\n\0`, then int32 flags (0) and int32 header extension length (0). */
export const COPY_BINARY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const FIELD_COUNT = EVENT_COLUMNS.length;
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_POW_32 = 2 ** 32;
/** Below this many millis from 2000 (about 285 years), millis * 1000 is exact in a double. */
const EXACT_MILLIS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
/** Up to this many UTF-16 code units, ASCII text is copied byte by byte. */
const SHORT_TEXT = 64;

/**
 * Writes binary COPY rows into large buffers. Rows go out as bytes as soon as they are made, so
 * nothing per row survives a garbage collection (keeping a read chunk's rows as strings made the
 * collector the largest cost of an import).
 */
export class CopyRowWriter {
  private readonly full: Buffer[] = [];
  private buffer: Buffer;
  private pos = 0;

  constructor(private readonly capacity = 1024 * 1024) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** Starts an event row (the event table's 13 columns, in `EVENT_COLUMNS` order). */
  beginRow(): void {
    this.ensure(2);
    this.buffer[this.pos++] = FIELD_COUNT >> 8;
    this.buffer[this.pos++] = FIELD_COUNT & 0xff;
  }

  text(value: string): void {
    const count = value.length;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.ensure(4 + count * 3);
    if (count <= SHORT_TEXT) {
      // Short ASCII text is copied here: cheaper than a call into the native UTF-8 encoder.
      const buffer = this.buffer;
      const start = this.pos + 4;
      let i = 0;
      for (; i < count; i++) {
        const code = value.charCodeAt(i);
        if (code >= 0x80) break;
        buffer[start + i] = code;
      }
      if (i === count) {
        this.int32(count);
        this.pos += count;
        return;
      }
    }
    const length = this.buffer.write(value, this.pos + 4);
    this.int32(length);
    this.pos += length;
  }

  /** The value, or NULL for `null`/`undefined`. */
  optionalText(value: string | null | undefined): void {
    if (value == null) this.null();
    else this.text(value);
  }

  null(): void {
    this.ensure(4);
    this.int32(-1);
  }

  /** A `timestamp` column: the UTC wall-clock of the instant, as PostgreSQL's microseconds since 2000. */
  timestamp(epochMillis: number): void {
    if (!Number.isFinite(epochMillis)) throw new RangeError('Invalid Date cannot be stored');
    const millis = epochMillis - POSTGRES_EPOCH_MS;
    this.ensure(12);
    this.int32(8);
    if (Math.abs(millis) < EXACT_MILLIS) {
      const micros = millis * 1000;
      const high = Math.floor(micros / TWO_POW_32);
      this.int32(high);
      this.int32(micros - high * TWO_POW_32);
    } else {
      this.buffer.writeBigInt64BE(BigInt(millis) * 1000n, this.pos);
      this.pos += 8;
    }
  }

  /** The bytes written so far, handed over (the writer starts afresh). */
  take(): Buffer[] {
    if (this.pos > 0) this.full.push(this.buffer.subarray(0, this.pos));
    const taken = this.full.splice(0);
    this.buffer = Buffer.allocUnsafe(this.capacity);
    this.pos = 0;
    return taken;
  }

  /** Bytes written and not yet taken. */
  get size(): number {
    let size = this.pos;
    for (const buffer of this.full) size += buffer.length;
    return size;
  }

  private int32(value: number): void {
    const buffer = this.buffer;
    let pos = this.pos;
    buffer[pos++] = (value >>> 24) & 0xff;
    buffer[pos++] = (value >>> 16) & 0xff;
    buffer[pos++] = (value >>> 8) & 0xff;
    buffer[pos++] = value & 0xff;
    this.pos = pos;
  }

  private ensure(bytes: number): void {
    if (this.buffer.length - this.pos >= bytes) return;
    if (this.pos > 0) this.full.push(this.buffer.subarray(0, this.pos));
    this.buffer = Buffer.allocUnsafe(Math.max(this.capacity, bytes));
    this.pos = 0;
  }
}

/** The id an event is stored under: its own when it names one, else a new one. */
export function eventIdFor(event: EventInput): string {
  return event.eventId ? event.eventId : generateEventId();
}

export interface EventRowOptions {
  /** `pio import` writes NULL for empty properties, as upstream's import; REST inserts write `{}`. */
  emptyPropertiesAsNull: boolean;
}

/**
 * Writes one event row (BEHAVIOUR.md#value-encodings): NULL for absent optionals, tags comma-joined, both times as UTC
 * wall-clock, `UTC` creation zone; the creation time defaults to now.
 */
export function writeEventRow(writer: CopyRowWriter, event: EventInput, id: string, options: EventRowOptions): void {
  const creationTime = event.creationTime ?? new Date();
  const propertiesText = event.propertiesText ?? JSON.stringify(event.properties ?? {});
  const empty = event.properties ? isEmptyObject(event.properties) : propertiesText.trim() === '{}';
  writer.beginRow();
  writer.text(id);
  writer.text(event.event);
  writer.text(event.entityType);
  writer.text(event.entityId);
  writer.optionalText(event.targetEntityType);
  writer.optionalText(event.targetEntityId);
  writer.optionalText(empty && options.emptyPropertiesAsNull ? null : propertiesText);
  writer.timestamp((event.eventTime ?? creationTime).getTime());
  writer.text(event.eventTimeZone ?? 'UTC');
  writer.optionalText(event.tags && event.tags.length > 0 ? event.tags.join(',') : null);
  writer.optionalText(event.prId);
  writer.timestamp(creationTime.getTime());
  writer.text('UTC');
}

/** One `pio import` row: a generated id when the event names none, NULL for empty properties. */
export function writeImportRow(writer: CopyRowWriter, event: EventInput): void {
  writeEventRow(writer, event, eventIdFor(event), { emptyPropertiesAsNull: true });
}

function isEmptyObject(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}
