import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { copyIn } from './copy-in.js';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, CopyRowWriter, writeEventRow, writeImportRow, type EventRowOptions } from './copy-rows.js';
import { toStorageError } from './errors.js';
import { EVENT_COLUMN_LIST } from './event-rows.js';
import type { Database } from './pool.js';
import type { EventInput } from './types.js';

// Every event write is a binary COPY: REST inserts (single, batch, group commit) and `pio import`.

/** COPY data per write when encoding events here (pio import hands over whole read chunks itself). */
const COPY_CHUNK_BYTES = 1024 * 1024;
/** First buffer of a REST write: a single event row is a few hundred bytes. */
const SMALL_COPY_BYTES = 16 * 1024;
const REST_ROWS: EventRowOptions = { emptyPropertiesAsNull: false };

const copyCommand = (table: string) => `COPY ${table} (${EVENT_COLUMN_LIST}) FROM STDIN (FORMAT binary)`;

/** Stores REST events under the given ids in one COPY (one implicit transaction: all or none). */
export async function copyRestEvents(db: Database, table: string, events: readonly EventInput[], ids: readonly string[]): Promise<void> {
  const writer = new CopyRowWriter(SMALL_COPY_BYTES);
  for (let i = 0; i < events.length; i++) writeEventRow(writer, events[i] as EventInput, ids[i] as string, REST_ROWS);
  const chunks = [COPY_BINARY_HEADER, ...writer.take(), COPY_BINARY_TRAILER];
  await db.withClient((client) => copyIn(client, copyCommand(table), chunks), 'insert events');
}

/** `pio import` rows for events, a megabyte of COPY data at a time; `counted` is told of each event. */
export async function* importRowsOf(events: AsyncIterable<EventInput> | Iterable<EventInput>, counted: () => void): AsyncGenerator<Buffer> {
  const writer = new CopyRowWriter();
  for await (const event of events) {
    writeImportRow(writer, event);
    counted();
    if (writer.size >= COPY_CHUNK_BYTES) yield* writer.take();
  }
  yield* writer.take();
}

/**
 * Streams encoded rows into a table with COPY FROM STDIN inside one transaction (all or nothing), adding
 * the COPY header and trailer, then refreshes the table's planner statistics. Fails with a `StorageError`.
 */
export async function copyRowsInTransaction(db: Database, table: string, rows: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  async function* framed(): AsyncGenerator<Buffer> {
    yield COPY_BINARY_HEADER;
    yield* rows;
    yield COPY_BINARY_TRAILER;
  }
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const copy = client.query(copyFrom(copyCommand(table)));
    await pipeline(Readable.from(framed(), { highWaterMark: 2 }), copy);
    await client.query('COMMIT');
  } catch (error) {
    broken = error as Error;
    await client.query('ROLLBACK').then(
      () => {
        broken = undefined;
      },
      () => undefined,
    );
    throw toStorageError(error, 'import events');
  } finally {
    client.release(broken);
  }
  // Right after a bulk load PostgreSQL has no statistics for the new rows until autovacuum comes by, and
  // plans a user's history read (`findByEntity`) as a scan of the whole table: 15 ms instead of 0.45 ms
  // per read on a 1M-event app (bench/ur). ANALYZE samples a fixed number of rows, so it costs well under
  // a second at any size; failing it (no privilege) leaves the import as it is.
  await db.query(`ANALYZE ${table}`).catch(() => undefined);
}
