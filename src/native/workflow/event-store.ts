import type {
  AggregatePropertiesQuery,
  EngineEvent,
  EventStore,
  FindByEntityQuery,
  FindEventsQuery,
  LatestTargetsQuery,
  PropertyMap,
} from '../engine/types.js';
import { createEntityReadBatcher, type EventQuery, type EventScope, type Storage, type StoredEvent, type TargetEvent } from '../storage/index.js';

/**
 * The engines' view of the event store (BEHAVIOUR.md#engine-event-store) over the runtime's storage: app and channel names
 * resolve to a table once per process; unknown names throw upstream's messages.
 */
export function createEventStore(storage: Pick<Storage, 'apps' | 'channels' | 'events'>): EventStore {
  // Realtime reads (a user's history per query) from concurrent queries share one statement.
  const kindOf = (scope: EventScope, query: unknown) => JSON.stringify([storage.events.tableName(scope), query]);
  const findOneEntity = createEntityReadBatcher<EventQuery, StoredEvent>({
    kindOf,
    readMany: (scope, query, entityIds) => storage.events.find(scope, { ...query, entityIds }),
    entityOf: (event) => event.entityId,
  });
  const latestTargetsOfOne = createEntityReadBatcher<Omit<LatestTargetsQuery, 'appName' | 'channelName' | 'entityId'>, TargetEvent>({
    kindOf,
    readMany: (scope, query, entityIds) => storage.events.latestTargets(scope, { ...query, entityIds }),
    entityOf: (event) => event.entityId,
  });
  const scopes = new Map<string, Promise<EventScope>>();

  const resolveScope = (appName: string, channelName: string | undefined): Promise<EventScope> => {
    const key = `${appName}\0${channelName ?? ''}`;
    let scope = scopes.get(key);
    if (!scope) {
      scope = (async () => {
        const app = await storage.apps.getByName(appName);
        if (!app) throw new Error(`Invalid app name ${appName}`);
        if (channelName === undefined) return { appId: app.id };
        const channel = (await storage.channels.getByAppId(app.id)).find((candidate) => candidate.name === channelName);
        if (!channel) throw new Error(`Invalid channel name ${channelName}`);
        return { appId: app.id, channelId: channel.id };
      })();
      // Failed lookups are not memoised: the app may be created later in a long-running server.
      scope.catch(() => scopes.delete(key));
      scopes.set(key, scope);
    }
    return scope;
  };

  const toQuery = (query: FindEventsQuery): EventQuery => ({
    startTime: query.startTime,
    untilTime: query.untilTime,
    entityType: query.entityType,
    entityId: query.entityId,
    eventNames: query.eventNames,
    targetEntityType: query.targetEntityType,
    targetEntityId: query.targetEntityId,
    limit: query.limit,
    reversed: query.reversed,
  });

  return {
    async find(query) {
      const scope = await resolveScope(query.appName, query.channelName);
      return (await storage.events.find(scope, toQuery(query))).map(toEngineEvent);
    },
    async *stream(query) {
      const scope = await resolveScope(query.appName, query.channelName);
      for await (const event of storage.events.stream(scope, toQuery(query))) yield toEngineEvent(event);
    },
    async readColumns(query) {
      const scope = await resolveScope(query.appName, query.channelName);
      const { appName: _appName, channelName: _channelName, ...columnQuery } = query;
      return storage.events.readColumns(scope, columnQuery);
    },
    async findByEntity(query: FindByEntityQuery) {
      const scope = await resolveScope(query.appName, query.channelName);
      const { latest, ...rest } = query;
      const eventQuery = toQuery({ ...rest, reversed: latest ?? true });
      // A limit is per entity: such a read goes alone.
      if (query.limit !== undefined && query.limit >= 0) return (await storage.events.find(scope, eventQuery)).map(toEngineEvent);
      const { entityId: _entityId, ...kind } = eventQuery;
      return (await findOneEntity(scope, kind, query.entityId)).map(toEngineEvent);
    },
    async latestTargets(query: LatestTargetsQuery) {
      const scope = await resolveScope(query.appName, query.channelName);
      const targets = await latestTargetsOfOne(scope, { entityType: query.entityType, eventNames: query.eventNames }, query.entityId);
      return targets.map(({ event, targetEntityId }) => ({ event, targetEntityId }));
    },
    async aggregateProperties(query: AggregatePropertiesQuery) {
      const scope = await resolveScope(query.appName, query.channelName);
      const aggregated = await storage.events.aggregateProperties(scope, {
        entityType: query.entityType,
        startTime: query.startTime,
        untilTime: query.untilTime,
        required: query.required,
      });
      const result = new Map<string, PropertyMap>();
      for (const [entityId, map] of aggregated) {
        result.set(entityId, { fields: map.fields, firstUpdated: map.firstUpdated, lastUpdated: map.lastUpdated });
      }
      return result;
    },
  };
}

function toEngineEvent(event: StoredEvent): EngineEvent {
  return {
    eventId: event.eventId,
    event: event.event,
    entityType: event.entityType,
    entityId: event.entityId,
    targetEntityType: event.targetEntityType,
    targetEntityId: event.targetEntityId,
    properties: event.properties,
    eventTime: event.eventTime,
    eventTimeZone: event.eventTimeZone,
    tags: event.tags,
    prId: event.prId,
    creationTime: event.creationTime,
  };
}
