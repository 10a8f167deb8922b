import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { PropertyAggregator } from './aggregate.js';
import { createEventTable, EVENT_COLUMNS, eventTableName } from './ddl.js';
import { StorageError, toStorageError } from './errors.js';
import { createGroupCommitWriter } from './group-commit.js';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, CopyRowWriter, writeImportRow } from './copy-rows.js';
import { generateEventId } from './ids.js';
import type { EventInput, EventQuery, EventScope, EventsRepository, JsonObject, StoredEvent } from './index.js';
import type { Database, NamedStatement } from './pool.js';
import { toUtcWallClock } from './timestamps.js';

const COLUMNS = EVENT_COLUMNS.join(', ');
const COLUMN_COUNT = EVENT_COLUMNS.length;
/** Rows per INSERT statement (bounds the size of one bind message). */
const MAX_ROWS_PER_INSERT = 5_000;
/**
 * Rows per cursor round trip. Measured with `pio export` of 200,000 events: 500 to 10,000 rows cost the
 * same CPU locally, while 10,000 held 30 MB more memory; 2,000 keeps round trips few for a remote database.
 */
const CURSOR_FETCH_SIZE = 2_000;
/** COPY data per write when encoding events here (pio import hands over whole read chunks itself). */
const COPY_CHUNK_BYTES = 1024 * 1024;

interface RowOptions {
  /** `pio import` writes NULL for empty properties; REST inserts write `{}`. */
  emptyPropertiesAsNull: boolean;
}

export type EventRow = [
  id: string,
  event: string,
  entityType: string,
  entityId: string,
  targetEntityType: string | null,
  targetEntityId: string | null,
  properties: string | null,
  eventTime: string,
  eventTimeZone: string,
  tags: string | null,
  prId: string | null,
  creationTime: string,
  creationTimeZone: string,
];

/** Encodes an event into column values (spec §4.4); generates the id when absent. */
export function toEventRow(event: EventInput, options: RowOptions): EventRow {
  const creationTime = event.creationTime ?? new Date();
  const propertiesText = event.propertiesText ?? JSON.stringify(event.properties ?? {});
  const empty = event.properties ? Object.keys(event.properties).length === 0 : propertiesText.trim() === '{}';
  return [
    event.eventId ? event.eventId : generateEventId(),
    event.event,
    event.entityType,
    event.entityId,
    event.targetEntityType ?? null,
    event.targetEntityId ?? null,
    empty && options.emptyPropertiesAsNull ? null : propertiesText,
    toUtcWallClock(event.eventTime ?? creationTime),
    event.eventTimeZone ?? 'UTC',
    event.tags && event.tags.length > 0 ? event.tags.join(',') : null,
    event.prId ?? null,
    toUtcWallClock(creationTime),
    'UTC',
  ];
}

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

/** Column types for `unnest`: text arrays convert to varchar implicitly, timestamps need their own type. */
const UNNEST_TYPES = EVENT_COLUMNS.map((column) => (column === 'eventtime' || column === 'creationtime' ? 'timestamp' : 'text'));

type RunStatement = (statement: NamedStatement, params: unknown[]) => Promise<unknown>;

/**
 * One statement per table whatever the number of rows (one array parameter per column, `unnest`ed), named
 * so each connection parses and plans it once: under load the group-commit writer sends batches of every
 * size, and a `VALUES` list with 13 parameters per row would be a new statement to parse and plan each time.
 */
export function insertStatement(table: string): NamedStatement {
  const arrays = UNNEST_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
  return { name: `pio_insert_${table}`, text: `INSERT INTO ${table} (${COLUMNS}) SELECT * FROM unnest(${arrays})` };
}

/** Rows `start` to `end` (exclusive) as one array per column. */
export function columnArrays(rows: readonly EventRow[], start: number, end: number): unknown[][] {
  const columns: unknown[][] = EVENT_COLUMNS.map(() => new Array<unknown>(end - start));
  for (let r = start; r < end; r++) {
    const row = rows[r] as EventRow;
    for (let c = 0; c < COLUMN_COUNT; c++) (columns[c] as unknown[])[r - start] = row[c];
  }
  return columns;
}

/** `($1, …, $13), ($14, …)` for `rows` rows. */
export function valuesPlaceholders(rows: number): string {
  const groups: string[] = [];
  for (let r = 0; r < rows; r++) {
    const base = r * COLUMN_COUNT;
    groups.push(`(${EVENT_COLUMNS.map((_, c) => `$${base + c + 1}`).join(', ')})`);
  }
  return groups.join(', ');
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

  const insertRows = async (table: string, rows: readonly EventRow[], run: RunStatement = db.query.bind(db)) => {
    const statement = insertStatement(table);
    for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
      await run(statement, columnArrays(rows, start, Math.min(rows.length, start + MAX_ROWS_PER_INSERT)));
    }
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
    insert(scope, event) {
      return guarded(scope, async () => {
        const row = toEventRow(event, { emptyPropertiesAsNull: false });
        await db.query(`INSERT INTO ${tableName(scope)} (${COLUMNS}) VALUES ${valuesPlaceholders(1)}`, row);
        return row[0];
      });
    },
    insertBatch(scope, events) {
      return guarded(scope, async () => {
        if (events.length === 0) return [];
        const rows = events.map((event) => toEventRow(event, { emptyPropertiesAsNull: false }));
        const table = tableName(scope);
        if (rows.length <= MAX_ROWS_PER_INSERT) await insertRows(table, rows);
        else await db.transaction((client) => insertRows(table, rows, (statement, params) => client.query({ ...statement, values: params })));
        return rows.map((row) => row[0]);
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
        const copy = client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN (FORMAT binary)`));
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
      return createGroupCommitWriter({
        db,
        tableName,
        toRow: (event) => toEventRow(event, { emptyPropertiesAsNull: false }),
        insertRows: (table, rows) => insertRows(table, rows),
        explain,
        ...groupOptions,
      });
    },
  };
  return repository;
}
