import { PropertyAggregator } from './aggregate.js';
import { eventIdFor } from './copy-rows.js';
import { createEventTable, eventTableName, INDEXED_KEY_LENGTH } from './ddl.js';
import { readEventColumns } from './event-columns.js';
import { copyRowsInTransaction, importRowsOf } from './event-copy.js';
import { EventIdConflictError } from './errors.js';
import { buildEventQuery } from './event-query.js';
import { latestTargetsQuery } from './latest-targets.js';
import { EVENT_COLUMN_LIST, fromEventRow, type StoredRow } from './event-rows.js';
import { streamEvents } from './event-stream.js';
import { createGroupCommitWriter } from './group-commit.js';
import { insertEventsOnce } from './insert-once.js';
import { explainMissingTable } from './missing-table.js';
import type { Database } from './pool.js';
import type { AggregateQuery, EventInput, EventQuery, EventScope, EventsRepository, InsertOutcome, TargetEvent } from './types.js';

/** What the repository's methods share: the pool and how a scope names its table. */
interface EventTables {
  db: Database;
  tableName: (scope: EventScope) => string;
  /** Explains a missing table; any other error stays as it is. */
  explain: (error: unknown, scope: EventScope) => unknown;
  /** Runs `fn` on the scope's table, explaining a missing table if it fails. */
  guarded: <T>(scope: EventScope, fn: (table: string) => Promise<T>) => Promise<T>;
}

/** `EventsRepository` on the event tables of one namespace. */
export function createEventsRepository(db: Database, namespace: string, options: { indexed: boolean }): EventsRepository {
  const tableName = (scope: EventScope) => eventTableName(namespace, scope.appId, scope.channelId);
  const explain = (error: unknown, scope: EventScope): unknown => explainMissingTable(error, scope, tableName);
  const guarded = async <T>(scope: EventScope, fn: (table: string) => Promise<T>): Promise<T> => {
    try {
      return await fn(tableName(scope));
    } catch (error) {
      throw explain(error, scope);
    }
  };
  const tables: EventTables = { db, tableName, explain, guarded };
  return { ...tableMethods(tables, options.indexed), ...readMethods(tables), ...writeMethods(tables) };
}

type TableMethods = Pick<EventsRepository, 'tableName' | 'maxKeyLength' | 'init' | 'remove' | 'exists'>;

function tableMethods({ db, tableName }: EventTables, indexed: boolean): TableMethods {
  return {
    tableName,
    maxKeyLength: indexed ? INDEXED_KEY_LENGTH : undefined,
    async init(scope) {
      const table = tableName(scope);
      await db.ddl(table, createEventTable(table, indexed));
    },
    async remove(scope) {
      await db.query(`DROP TABLE ${tableName(scope)}`);
    },
    async exists(scope) {
      const result = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [tableName(scope)]);
      return result.rows[0]?.found === true;
    },
  };
}

type ReadMethods = Pick<EventsRepository, 'get' | 'find' | 'latestTargets' | 'stream' | 'readColumns' | 'count' | 'aggregateProperties'>;

function readMethods({ db, tableName, explain, guarded }: EventTables): ReadMethods {
  const select = (table: string, sql: string, params: unknown[]) =>
    db.query<StoredRow>(`SELECT ${EVENT_COLUMN_LIST} FROM ${table}${sql}`, params);
  const stream: ReadMethods['stream'] = (scope, query = {}) =>
    streamEvents(db, () => tableName(scope), query, (error) => explain(error, scope));
  return {
    get: (scope, eventId) =>
      guarded(scope, async (table) => {
        const result = await select(table, ' WHERE id = $1', [eventId]);
        return result.rows[0] && fromEventRow(result.rows[0]);
      }),
    find: (scope, query = {}) =>
      guarded(scope, async (table) => {
        const { clause, params } = buildEventQuery(query, { order: true });
        return (await select(table, clause, params)).rows.map(fromEventRow);
      }),
    latestTargets: (scope, query) =>
      guarded(scope, async (table) => {
        if (query.entityIds.length === 0 || query.eventNames.length === 0) return [];
        const { text, values } = latestTargetsQuery(table, query);
        return (await db.query<TargetEvent>(text, values)).rows;
      }),
    stream,
    readColumns: (scope, query = {}) => guarded(scope, (table) => readEventColumns(db, table, query)),
    count: (scope, query = {}) =>
      guarded(scope, async (table) => {
        const { clause, params } = buildEventQuery(query, { order: false });
        const result = await db.query<{ count: number }>(`SELECT count(*) AS count FROM ${table}${clause}`, params);
        return result.rows[0]?.count ?? 0;
      }),
    async aggregateProperties(scope, query) {
      const aggregator = new PropertyAggregator();
      for await (const event of stream(scope, propertyEventsOf(query))) aggregator.add(event);
      return aggregator.result({ required: query.required });
    },
  };
}

/** The `$set`/`$unset`/`$delete` events an aggregation reads (BEHAVIOUR.md#aggregation-input). */
function propertyEventsOf(query: AggregateQuery): EventQuery {
  return { entityType: query.entityType, startTime: query.startTime, untilTime: query.untilTime, eventNames: ['$set', '$unset', '$delete'] };
}

type WriteMethods = Pick<EventsRepository, 'insert' | 'insertBatch' | 'insertEach' | 'delete' | 'importStream' | 'importRows' | 'createGroupCommitWriter'>;

function writeMethods({ db, tableName, explain, guarded }: EventTables): WriteMethods {
  const insertEvents = (table: string, events: readonly EventInput[], ids: readonly string[]) =>
    insertEventsOnce(db, table, events, ids, 'skip');
  const insertBatch: WriteMethods['insertBatch'] = async (scope, events) => {
    if (events.length === 0) return [];
    return guarded(scope, async (table) => {
      const ids = events.map(eventIdFor);
      const outcomes = await insertEventsOnce(db, table, events, ids, 'abort');
      const conflict = outcomes.indexOf('conflict');
      if (conflict >= 0) throw new EventIdConflictError(ids[conflict] as string);
      return ids;
    });
  };
  const insertEach: WriteMethods['insertEach'] = async (scope, events) => {
    if (events.length === 0) return [];
    return guarded(scope, async (table) => {
      const ids = events.map(eventIdFor);
      const outcomes = await insertEventsOnce(db, table, events, ids, 'skip');
      return ids.map((eventId, i) => ({ eventId, outcome: outcomes[i] as InsertOutcome }));
    });
  };
  const importRows: WriteMethods['importRows'] = (scope, rows) => guarded(scope, (table) => copyRowsInTransaction(db, table, rows));
  return {
    async insert(scope, event) {
      const [id] = await insertBatch(scope, [event]);
      return id as string;
    },
    insertBatch,
    insertEach,
    delete: (scope, eventId) =>
      guarded(scope, async (table) => {
        const result = await db.query(`DELETE FROM ${table} WHERE id = $1`, [eventId]);
        return (result.rowCount ?? 0) > 0;
      }),
    async importStream(scope, events) {
      let count = 0;
      await importRows(scope, importRowsOf(events, () => count++));
      return { count };
    },
    importRows,
    createGroupCommitWriter: (groupOptions) =>
      createGroupCommitWriter({ tableName, insertEvents, explain, ...groupOptions, poolSize: db.size }),
  };
}
