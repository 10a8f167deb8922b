import { SpanKind } from '@opentelemetry/api';
import type { EventStore } from '../engine/types.js';
import type { EventsRepository, GroupCommitWriter, Storage } from '../storage/index.js';
import { inSpan } from './tracing.js';

/**
 * Spans around storage queries, added by wrapping the repositories the servers hold (storage itself
 * knows nothing of tracing). Only called when tracing is on.
 */

const DB = { 'db.system': 'postgresql' } as const;

/** The Event Server's reads and writes (`events.get`, `events.find`, …, `accessKeys.get`) as client spans. */
export function traceStorage(storage: Storage): Storage {
  const events: EventsRepository = {
    ...storage.events,
    tableName: (scope) => storage.events.tableName(scope),
    insert: (scope, event) => inSpan('storage events.insert', { ...DB, 'pio.app_id': scope.appId }, () => storage.events.insert(scope, event), SpanKind.CLIENT),
    insertBatch: (scope, batch) =>
      inSpan('storage events.insertBatch', { ...DB, 'pio.app_id': scope.appId, 'pio.events': batch.length }, () => storage.events.insertBatch(scope, batch), SpanKind.CLIENT),
    get: (scope, id) => inSpan('storage events.get', { ...DB, 'pio.app_id': scope.appId }, () => storage.events.get(scope, id), SpanKind.CLIENT),
    delete: (scope, id) => inSpan('storage events.delete', { ...DB, 'pio.app_id': scope.appId }, () => storage.events.delete(scope, id), SpanKind.CLIENT),
    find: (scope, query) => inSpan('storage events.find', { ...DB, 'pio.app_id': scope.appId }, () => storage.events.find(scope, query), SpanKind.CLIENT),
    createGroupCommitWriter: (options) => traceWriter(storage.events.createGroupCommitWriter(options)),
  };
  const accessKeys = {
    ...storage.accessKeys,
    get: (key: string) => inSpan('storage accessKeys.get', { ...DB }, () => storage.accessKeys.get(key), SpanKind.CLIENT),
  };
  return Object.assign(Object.create(storage) as Storage, { events, accessKeys });
}

/** A group-commit insert's span lasts until its batch committed. */
export function traceWriter(writer: GroupCommitWriter): GroupCommitWriter {
  return {
    insert: (scope, event) =>
      inSpan('storage events.insert (group commit)', { ...DB, 'pio.app_id': scope.appId, 'pio.event': event.event }, () => writer.insert(scope, event), SpanKind.CLIENT),
    close: () => writer.close(),
  };
}

/** The engines' event store: `findByEntity` is the user-history read of realtime engines. */
export function traceEventStore(events: EventStore): EventStore {
  return {
    find: (query) => inSpan('events.find', { ...DB, 'pio.app': query.appName }, () => events.find(query)),
    stream: (query) => events.stream(query),
    readColumns: (query) => inSpan('events.readColumns', { ...DB, 'pio.app': query.appName }, () => events.readColumns(query)),
    findByEntity: (query) =>
      inSpan(
        'events.findByEntity (user history)',
        { ...DB, 'pio.app': query.appName, 'pio.entity_type': query.entityType },
        () => events.findByEntity(query),
      ),
    latestTargets: (query) =>
      inSpan(
        'events.latestTargets (user history)',
        { ...DB, 'pio.app': query.appName, 'pio.entity_type': query.entityType },
        () => events.latestTargets(query),
      ),
    aggregateProperties: (query) => inSpan('events.aggregateProperties', { ...DB, 'pio.app': query.appName }, () => events.aggregateProperties(query)),
  };
}
