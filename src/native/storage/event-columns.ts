import { escapeLiteral } from 'pg';
import { BinaryCopyTuples, copyOut, type CopyTuple } from './copy-out.js';
import { toStorageError } from './errors.js';
import { buildEventQuery } from './event-query.js';
import type { Database } from './pool.js';
import type { ColumnQuery, EventColumns } from './types.js';

/**
 * Columnar reads for training (`events.readColumns`): one binary `COPY (SELECT …) TO STDOUT` of only
 * the five columns a trainer needs, decoded straight into typed arrays. Entity and target ids are
 * interned while streaming, so a string exists per distinct id, not per row; memory is the arrays
 * (29 bytes a row at most) plus the distinct ids.
 */

const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_POW_32 = 2 ** 32;
const FIRST_CAPACITY = 1024;
const FIELDS = 5;
const [ENTITY, TARGET, EVENT, VALUE, TIME] = [0, 1, 2, 3, 4] as const;

/**
 * The COPY command. COPY takes no bind parameters, so the filters' values are inlined as escaped
 * literals (each placeholder replaced once, the inserted text never rescanned). The numeric property
 * is read as `json` (which keeps the last of duplicate keys, as JSON.parse does), sent as its JSON text
 * when it is a number and NULL otherwise, and parsed here as JSON.parse would: a `float8` cast in SQL
 * would fail the whole COPY on a number beyond a double's range, where JSON.parse gives Infinity or 0.
 */
export function columnCopyCommand(table: string, query: ColumnQuery): string {
  const { clause, params } = buildEventQuery(query, { order: query.ordered === true });
  const where = clause.replace(/\$(\d+)/g, (_, index: string) => escapeLiteral(String(params[Number(index) - 1])));
  let value = 'NULL::text';
  if (query.numericProperty !== undefined) {
    const property = `properties::json -> ${escapeLiteral(query.numericProperty)}`;
    value = `CASE WHEN json_typeof(${property}) = 'number' THEN ${property} #>> '{}' END`;
  }
  return `COPY (SELECT entityid, targetentityid, event, ${value}, eventtime FROM ${table}${where}) TO STDOUT (FORMAT binary)`;
}

/**
 * The JSON number in `buffer[start, start + length)`, as JSON.parse reads it. Short plain decimals
 * (ratings: `4`, `-3.5`) are read here without making a string: with at most 15 digits the digits are
 * an exact double and so is the power of ten, so one division gives the correctly rounded value, as
 * JSON.parse does. Anything else (exponents, more digits) goes through `Number`.
 */
function jsonNumberAt(buffer: Buffer, start: number, length: number): number {
  const end = start + length;
  let i = start;
  const negative = buffer[i] === 0x2d;
  if (negative) i++;
  let digits = 0;
  let mantissa = 0;
  let scale = 1;
  let point = false;
  for (; i < end; i++) {
    const code = buffer[i] as number;
    if (code === 0x2e && !point) {
      point = true;
      continue;
    }
    const digit = code - 0x30;
    if (digit < 0 || digit > 9 || ++digits > 15) return Number(buffer.toString('latin1', start, end));
    mantissa = mantissa * 10 + digit;
    if (point) scale *= 10;
  }
  const value = mantissa / scale;
  return negative ? -value : value;
}

/** Strings to small integers, in order of first appearance. */
class Interner {
  readonly values: string[] = [];
  private readonly indexes = new Map<string, number>();

  index(value: string): number {
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.indexes.set(value, index);
    }
    return index;
  }
}

/** Typed arrays of a given size that double if more rows come; `result` trims them to the rows read. */
class ColumnBuilder {
  size = 0;
  private entity: Int32Array;
  private target: Int32Array;
  private event: Uint8Array | Int32Array;
  private value: Float64Array;
  private time: Float64Array;
  private readonly entities = new Interner();
  private readonly targets = new Interner();
  private readonly events = new Interner();

  constructor(private capacity: number) {
    this.entity = new Int32Array(capacity);
    this.target = new Int32Array(capacity);
    this.event = new Uint8Array(capacity);
    this.value = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
  }

  add(tuple: CopyTuple): void {
    if (this.size === this.capacity) this.grow();
    const { buffer, start, length } = tuple;
    const text = (field: number) => buffer.toString('utf8', start[field], (start[field] as number) + (length[field] as number));
    const row = this.size++;
    this.entity[row] = this.entities.index(text(ENTITY));
    this.target[row] = (length[TARGET] as number) < 0 ? -1 : this.targets.index(text(TARGET));
    const eventCode = this.events.index(text(EVENT));
    // Codes are bytes until a 256th event name shows up.
    if (eventCode === 256 && this.event instanceof Uint8Array) this.event = Int32Array.from(this.event);
    this.event[row] = eventCode;
    this.value[row] = (length[VALUE] as number) < 0 ? Number.NaN : jsonNumberAt(buffer, start[VALUE] as number, length[VALUE] as number);
    const timeAt = start[TIME] as number;
    const micros = buffer.readInt32BE(timeAt) * TWO_POW_32 + buffer.readUInt32BE(timeAt + 4);
    this.time[row] = Math.floor(micros / 1000) + POSTGRES_EPOCH_MS;
  }

  result(): EventColumns {
    const n = this.size;
    const trim = <T extends Int32Array | Uint8Array | Float64Array>(array: T): T => (n === this.capacity ? array : (array.slice(0, n) as T));
    return {
      size: n,
      entity: trim(this.entity),
      target: trim(this.target),
      event: trim(this.event),
      value: trim(this.value),
      time: trim(this.time),
      entityIds: this.entities.values,
      targetIds: this.targets.values,
      eventNames: this.events.values,
    };
  }

  private grow(): void {
    this.capacity = Math.max(FIRST_CAPACITY, this.capacity * 2);
    const grown = <T extends Int32Array | Uint8Array | Float64Array>(array: T): T => {
      const next = new (array.constructor as new (length: number) => T)(this.capacity);
      next.set(array);
      return next;
    };
    this.entity = grown(this.entity);
    this.target = grown(this.target);
    this.event = grown(this.event);
    this.value = grown(this.value);
    this.time = grown(this.time);
  }
}

/**
 * Reads the matching rows of `table` as columns. The rows are counted first in the same read-only
 * snapshot, so the arrays are allocated once at their final size: growing by doubling would hold up to
 * twice the rows' memory, and trimming would copy it all once more at the end.
 */
export async function readEventColumns(db: Database, table: string, query: ColumnQuery): Promise<EventColumns> {
  const command = columnCopyCommand(table, query);
  const { clause, params } = buildEventQuery(query, { order: false });
  const client = await db.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counted = await client.query<{ count: number }>(`SELECT count(*) AS count FROM ${table}${clause}`, params);
    const tuples = new BinaryCopyTuples(FIELDS);
    const builder = new ColumnBuilder(counted.rows[0]?.count ?? 0);
    const add = (tuple: CopyTuple) => builder.add(tuple);
    for await (const chunk of copyOut(client, command)) tuples.push(chunk, add);
    tuples.finish();
    await client.query('COMMIT');
    return builder.result();
  } catch (error) {
    // A failure may leave the transaction open or a COPY half-read: the connection is never reused.
    failed = error as Error;
    throw toStorageError(error, 'read event columns');
  } finally {
    client.release(failed);
  }
}
