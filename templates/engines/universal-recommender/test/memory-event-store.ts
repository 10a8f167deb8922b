import type { EngineContext, EngineEvent, EventStore, JsonObject, PropertyMap } from 'pio-deploy/engine';
import type { ImportEvent } from './handmade-import.js';

/**
 * An in-memory EventStore with the runtime's semantics (time order, filters, `$set`/`$unset`/`$delete`
 * aggregation), for fast in-process tests of the engine's components.
 */
export function memoryEventStore(input: ImportEvent[], now = Date.now()): EventStore {
  const events: EngineEvent[] = input.map((event, i) => ({
    eventId: String(i),
    event: event.event,
    entityType: event.entityType,
    entityId: event.entityId,
    targetEntityType: event.targetEntityType,
    targetEntityId: event.targetEntityId,
    properties: (event.properties ?? {}) as JsonObject,
    eventTime: new Date(event.eventTime ?? now),
    eventTimeZone: 'UTC',
    tags: [],
    creationTime: new Date(now),
  }));
  const sorted = [...events].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime() || Number(a.eventId) - Number(b.eventId));
  const matching = (query: Parameters<EventStore['find']>[0]) =>
    sorted.filter(
      (e) =>
        (query.entityType === undefined || e.entityType === query.entityType) &&
        (query.entityId === undefined || e.entityId === query.entityId) &&
        (query.eventNames === undefined || query.eventNames.length === 0 || query.eventNames.includes(e.event)) &&
        (query.targetEntityType === undefined || (e.targetEntityType ?? null) === query.targetEntityType) &&
        (query.startTime === undefined || e.eventTime >= query.startTime) &&
        (query.untilTime === undefined || e.eventTime < query.untilTime),
    );
  return {
    async find(query) {
      const found = matching(query);
      return query.reversed ? found.reverse() : found;
    },
    async *stream(query) {
      yield* matching(query);
    },
    async readColumns() {
      throw new Error('readColumns: not in the in-memory store (the Universal Recommender does not use it)');
    },
    async findByEntity(query) {
      const found = matching(query);
      return (query.latest ?? true) ? found.reverse() : found;
    },
    async latestTargets(query) {
      const counts = new Map<string, number>();
      const newestFirst = matching({ appName: query.appName, entityType: query.entityType, entityId: query.entityId }).reverse();
      return newestFirst.flatMap((e) => {
        const wanted = query.eventNames.filter((entry) => entry.name === e.event);
        if (wanted.length === 0 || e.targetEntityId === undefined) return [];
        const most = Math.max(...wanted.map((entry) => entry.limit ?? Infinity));
        const seen = (counts.get(e.event) ?? 0) + 1;
        counts.set(e.event, seen);
        return seen <= most ? [{ event: e.event, targetEntityId: e.targetEntityId }] : [];
      });
    },
    async aggregateProperties(query) {
      const result = new Map<string, PropertyMap>();
      for (const e of matching({ appName: query.appName, entityType: query.entityType })) {
        if (e.event === '$delete') result.delete(e.entityId);
        else if (e.event === '$set' || e.event === '$unset') {
          const current = result.get(e.entityId) ?? { fields: {}, firstUpdated: e.eventTime, lastUpdated: e.eventTime };
          if (e.event === '$set') Object.assign(current.fields, e.properties);
          else for (const key of Object.keys(e.properties)) delete current.fields[key];
          current.lastUpdated = e.eventTime;
          result.set(e.entityId, current);
        }
      }
      return result;
    },
  };
}

export function testContext(events: EventStore, lines: string[] = []): EngineContext {
  const log = (message: string) => void lines.push(message);
  return {
    events,
    log: { debug: log, info: log, warn: log, error: log },
    workflow: { batch: '', verbosity: 0, skipSanityCheck: false, stopAfterRead: false, stopAfterPrepare: false },
    mode: 'train',
    engineInstanceId: '',
  };
}
