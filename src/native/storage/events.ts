import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { PropertyAggregator } from './aggregate.js';
import { createEventTable, EVENT_COLUMNS, eventTableName } from './ddl.js';
import { StorageError, toStorageError } from './errors.js';
import { createGroupCommitWriter } from './group-commit.js';
import { copyIn } from './copy-in.js';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, CopyRowWriter, eventIdFor, writeEventRow, writeImportRow, type EventRowOptions } from './copy-rows.js';
import type { EventInput, EventQuery, EventScope, EventsRepository, JsonObject, StoredEvent } from './types.js';
import type { Database } from './pool.js';
import { toUtcWallClock } from './timestamps.js';

const COLUMNS = EVENT_COLUMNS.join(', ');
/**
 * Rows per cursor round trip. Measured with `pio export` of 200,000 events: 500 to 10,000 rows cost the
 * same CPU locally, while 10,000 held 30 MB more memory; 2,000 keeps round trips few for a remote database.
 */
const CURSOR_FETCH_SIZE = 2_000;
/** COPY data per write when encoding events here (pio import hands over whole read chunks itself). */
const COPY_CHUNK_BYTES = 1024 * 1024;
/** First buffer of a REST write: a single event row is a few hundred bytes. */
const SMALL_COPY_BYTES = 16 * 1024;
const REST_ROWS: EventRowOptions = { emptyPropertiesAsNull: false };

interface StoredRow {
  id: string;
  event: string;
  entitytype: string;
  entityid: string;
  targetentitytype: string | null;
  targetentityid: string | null;
  properties: string | null;
  eventtime: Date;
  eventtimezone: string;
  tags: string | null;
  prid: string | null;
  creationtime: Date;
  creationtimezone: string;
}

export function fromEventRow(row: StoredRow): StoredEvent {
  const propertiesText = row.properties ?? '{}';
  return {
    eventId: row.id,
    event: row.event,
    entityType: row.entitytype,
    entityId: row.entityid,
    targetEntityType: row.targetentitytype ?? undefined,
    targetEntityId: row.targetentityid ?? undefined,
    properties: JSON.parse(propertiesText) as JsonObject,
    propertiesText,
    eventTime: row.eventtime,
    eventTimeZone: row.eventtimezone,
    tags: row.tags ? row.tags.split(',') : [],
    prId: row.prid ?? undefined,
    creationTime: row.creationtime,
    creationTimeZone: row.creationtimezone,
  };
}

/** Builds `WHERE … ORDER BY … [LIMIT n]` for spec §4.6's filters. */
export function buildEventQuery(query: EventQuery, options: { order: boolean }): { clause: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions: string[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.startTime) conditions.push(`eventtime >= ${bind(toUtcWallClock(query.startTime))}`);
  if (query.untilTime) conditions.push(`eventtime < ${bind(toUtcWallClock(query.untilTime))}`);
  if (query.entityType !== undefined) conditions.push(`entitytype = ${bind(query.entityType)}`);
  if (query.entityId !== undefined) conditions.push(`entityid = ${bind(query.entityId)}`);
  if (query.eventNames && query.eventNames.length > 0) {
    conditions.push(`(${query.eventNames.map((name) => `event = ${bind(name)}`).join(' OR ')})`);
  }
  if (query.targetEntityType === null) conditions.push('targetentitytype IS NULL');
  else if (query.targetEntityType !== undefined) conditions.push(`targetentitytype = ${bind(query.targetEntityType)}`);
  if (query.targetEntityId === null) conditions.push('targetentityid IS NULL');
  else if (query.targetEntityId !== undefined) conditions.push(`targetentityid = ${bind(query.targetEntityId)}`);

  let clause = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  if (options.order) {
    const direction = query.reversed ? 'DESC' : 'ASC';
    clause += ` ORDER BY eventtime ${direction}, id ${direction}`;
    if (query.limit !== undefined && query.limit >= 0) clause += ` LIMIT ${bind(Math.floor(query.limit))}`;
  }
  return { clause, params };
}

export function createEventsRepository(db: Database, namespace: string, options: { indexed: boolean }): EventsRepository {
  const tableName = (scope: EventScope) => eventTableName(namespace, scope.appId, scope.channelId);

  /** Explains a missing event table instead of surfacing "relation does not exist". */
  const explain = (error: unknown, scope: EventScope): unknown => {
    if ((error as { code?: string }).code === '42P01' || (error as { cause?: { code?: string } }).cause?.code === '42P01') {
      const where = scope.channelId === undefined ? `app ID ${scope.appId}` : `app ID ${scope.appId}, channel ID ${scope.channelId}`;
      return new StorageError(`The event table ${tableName(scope)} (${where}) does not exist.`, { cause: error });
    }
    return error;
  };
  const guarded = async <T>(scope: EventScope, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw explain(error, scope);
    }
  };

  const copyCommand = (table: string) => `COPY ${table} (${COLUMNS}) FROM STDIN (FORMAT binary)`;

  /** Stores REST events under the given ids in one COPY (one implicit transaction: all or none). */
  const insertEvents = async (table: string, events: readonly EventInput[], ids: readonly string[]) => {
    const writer = new CopyRowWriter(SMALL_COPY_BYTES);
    for (let i = 0; i < events.length; i++) writeEventRow(writer, events[i] as EventInput, ids[i] as string, REST_ROWS);
    const chunks = [COPY_BINARY_HEADER, ...writer.take(), COPY_BINARY_TRAILER];
    await db.withClient((client) => copyIn(client, copyCommand(table), chunks), 'insert events');
  };

  async function* stream(scope: EventScope, query: EventQuery = {}): AsyncGenerator<StoredEvent> {
    const table = tableName(scope);
    const { clause, params } = buildEventQuery(query, { order: true });
    const client = await db.connect();
    let failed: Error | undefined;
    let inTransaction = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      inTransaction = true;
      await client.query(`DECLARE events_cursor NO SCROLL CURSOR FOR SELECT ${COLUMNS} FROM ${table}${clause}`, params);
      for (;;) {
        const result = await client.query<StoredRow>(`FETCH ${CURSOR_FETCH_SIZE} FROM events_cursor`);
        for (const row of result.rows) yield fromEventRow(row);
        if (result.rows.length < CURSOR_FETCH_SIZE) break;
      }
      await client.query('COMMIT');
      inTransaction = false;
    } catch (error) {
      failed = error as Error;
      throw explain(toStorageError(error, 'stream events'), scope);
    } finally {
      // Also reached when the consumer stops early: end the transaction before reusing the connection.
      if (inTransaction) await client.query('ROLLBACK').then(() => (failed = undefined), () => undefined);
      client.release(failed);
    }
  }

  const repository: EventsRepository = {
    tableName,
    async init(scope) {
      const table = tableName(scope);
      await db.ddl(table, createEventTable(table, options.indexed));
    },
    async remove(scope) {
      await db.query(`DROP TABLE ${tableName(scope)}`);
    },
    async exists(scope) {
      const result = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [tableName(scope)]);
      return result.rows[0]?.found === true;
    },
    async insert(scope, event) {
      const [id] = await repository.insertBatch(scope, [event]);
      return id as string;
    },
    insertBatch(scope, events) {
      return guarded(scope, async () => {
        if (events.length === 0) return [];
        const ids = events.map(eventIdFor);
        await insertEvents(tableName(scope), events, ids);
        return ids;
      });
    },
    get(scope, eventId) {
      return guarded(scope, async () => {
        const result = await db.query<StoredRow>(`SELECT ${COLUMNS} FROM ${tableName(scope)} WHERE id = $1`, [eventId]);
        return result.rows[0] && fromEventRow(result.rows[0]);
      });
    },
    delete(scope, eventId) {
      return guarded(scope, async () => {
        const result = await db.query(`DELETE FROM ${tableName(scope)} WHERE id = $1`, [eventId]);
        return (result.rowCount ?? 0) > 0;
      });
    },
    find(scope, query = {}) {
      return guarded(scope, async () => {
        const { clause, params } = buildEventQuery(query, { order: true });
        const result = await db.query<StoredRow>(`SELECT ${COLUMNS} FROM ${tableName(scope)}${clause}`, params);
        return result.rows.map(fromEventRow);
      });
    },
    stream,
    count(scope, query = {}) {
      return guarded(scope, async () => {
        const { clause, params } = buildEventQuery(query, { order: false });
        const result = await db.query<{ count: number }>(`SELECT count(*) AS count FROM ${tableName(scope)}${clause}`, params);
        return result.rows[0]?.count ?? 0;
      });
    },
    async importStream(scope, events) {
      let count = 0;
      async function* rows(): AsyncGenerator<Buffer> {
        const writer = new CopyRowWriter();
        for await (const event of events) {
          writeImportRow(writer, event);
          count++;
          if (writer.size >= COPY_CHUNK_BYTES) yield* writer.take();
        }
        yield* writer.take();
      }
      await repository.importRows(scope, rows());
      return { count };
    },
    async importRows(scope, rows) {
      const table = tableName(scope);
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
        throw explain(toStorageError(error, 'import events'), scope);
      } finally {
        client.release(broken);
      }
    },
    async aggregateProperties(scope, query) {
      const aggregator = new PropertyAggregator();
      const events = stream(scope, {
        entityType: query.entityType,
        startTime: query.startTime,
        untilTime: query.untilTime,
        eventNames: ['$set', '$unset', '$delete'],
      });
      for await (const event of events) aggregator.add(event);
      return aggregator.result({ required: query.required });
    },
    createGroupCommitWriter(groupOptions) {
      return createGroupCommitWriter({ tableName, insertEvents, explain, ...groupOptions, poolSize: db.size });
    },
  };
  return repository;
}
