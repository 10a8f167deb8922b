import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * The reading side of PostgreSQL's binary COPY format (written by copy-rows.ts): `COPY … TO STDOUT
 * (FORMAT binary)` arrives in chunks that split tuples anywhere; `BinaryCopyTuples` hands out whole
 * tuples as the byte ranges of their fields, without copying a field or making a value of it.
 */

/** The header's fixed part (`PGCOPY\n\377\r\n\0`, int32 flags) and its int32 extension length. */
const HEADER_BYTES = 11 + 4 + 4;
const NULL_FIELD = -1;

/** One tuple: field `i` is `buffer[start[i], start[i] + length[i])`, or NULL when `length[i]` is -1. */
export interface CopyTuple {
  buffer: Buffer;
  readonly start: Int32Array;
  readonly length: Int32Array;
}

export class BinaryCopyTuples {
  private rest: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  private readonly tuple: CopyTuple;

  constructor(private readonly fieldCount: number) {
    this.tuple = { buffer: Buffer.alloc(0), start: new Int32Array(fieldCount), length: new Int32Array(fieldCount) };
  }

  /** Calls `onTuple` for every tuple completed by `chunk` (the tuple object is reused: read it at once). */
  push(chunk: Buffer, onTuple: (tuple: CopyTuple) => void): void {
    let buffer = chunk;
    if (this.rest) {
      buffer = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let pos = 0;
    if (!this.headerRead) {
      if (buffer.length < HEADER_BYTES) {
        this.rest = buffer;
        return;
      }
      pos = HEADER_BYTES + buffer.readInt32BE(HEADER_BYTES - 4);
      this.headerRead = true;
    }
    const { fieldCount, tuple } = this;
    const { start, length } = tuple;
    tuple.buffer = buffer;
    const end = buffer.length;
    for (;;) {
      if (this.ended || pos + 2 > end) break;
      const fields = buffer.readInt16BE(pos);
      if (fields === -1) {
        this.ended = true;
        break;
      }
      if (fields !== fieldCount) throw new Error(`COPY tuple has ${fields} fields, expected ${fieldCount}`);
      let cursor = pos + 2;
      let complete = true;
      for (let i = 0; i < fieldCount; i++) {
        if (cursor + 4 > end) {
          complete = false;
          break;
        }
        const size = buffer.readInt32BE(cursor);
        cursor += 4;
        start[i] = cursor;
        length[i] = size;
        if (size > 0) cursor += size;
        if (cursor > end) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      onTuple(tuple);
      pos = cursor;
    }
    if (pos < end && !this.ended) this.rest = buffer.subarray(pos);
  }

  /** Throws unless the data ended with the trailer. */
  finish(): void {
    if (!this.ended) throw new Error('COPY data ended before its trailer');
  }
}

/** True when the tuple's field is NULL. */
export const isNullField = (tuple: CopyTuple, field: number): boolean => tuple.length[field] === NULL_FIELD;

/**
 * Runs `command` (a `COPY … TO STDOUT`) on `client` and yields its data as it arrives: the socket is
 * read only as fast as the consumer takes chunks, so memory stays bounded whatever the result's size.
 */
export async function* copyOut(client: pg.ClientBase, command: string): AsyncGenerator<Buffer> {
  const stream = client.query(copyTo(command));
  for await (const chunk of stream) yield chunk as Buffer;
}
