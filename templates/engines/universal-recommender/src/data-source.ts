import { appNameOf, type DataSource, type EngineContext, type JsonObject } from 'pio-deploy/engine';
import { Dictionary, IntVector } from './int-vector.js';
import { dataSourceParams, parseDurationSeconds, type DataSourceParams } from './params.js';

/** One event name's (user, item) pairs as two integer columns, duplicates kept. */
export interface EventInteractions {
  eventName: string;
  users: Int32Array;
  items: Int32Array;
}

export interface TrainingData {
  appName: string;
  users: Dictionary;
  items: Dictionary;
  /** In datasource `eventNames` order; event names without any event are left out, as upstream. */
  interactions: EventInteractions[];
  /** Aggregated `$set`/`$unset`/`$delete` properties of `item` entities. */
  itemProperties: Map<string, JsonObject>;
  minEventsPerUser: number | undefined;
}

/**
 * Reads the user→item events named in `eventNames` (the first is the primary event) and the items'
 * properties. Ids are interned to integers while streaming, so memory grows with the number of
 * events by eight bytes each.
 */
export class UrDataSource implements DataSource<TrainingData> {
  static params = dataSourceParams;

  constructor(readonly params: DataSourceParams) {}

  async readTraining(ctx: EngineContext): Promise<TrainingData> {
    const appName = appNameOf(this.params.appName);
    // eventWindow.duration limits what is read; upstream's self-cleaning (deleting old events,
    // removing duplicates, compressing $set) is not done: reads never change the event store.
    const duration = this.params.eventWindow?.duration;
    const startTime = duration === undefined ? undefined : new Date(Date.now() - parseDurationSeconds(duration) * 1000);
    const users = new Dictionary();
    const items = new Dictionary();
    const columns = new Map(this.params.eventNames.map((name) => [name, { users: new IntVector(), items: new IntVector() }]));
    let skipped = 0;
    for await (const event of ctx.events.stream({
      appName,
      entityType: 'user',
      eventNames: this.params.eventNames,
      targetEntityType: 'item',
      startTime,
    })) {
      const column = columns.get(event.event);
      if (!column || !event.targetEntityId || !event.entityId) {
        skipped++;
        continue;
      }
      column.users.push(users.intern(event.entityId));
      column.items.push(items.intern(event.targetEntityId));
    }
    if (skipped > 0) ctx.log.warn(`Skipped ${skipped} events without a user or item id.`);
    const interactions: EventInteractions[] = [];
    for (const [eventName, column] of columns) {
      if (column.users.length === 0) continue;
      interactions.push({ eventName, users: column.users.toArray(), items: column.items.toArray() });
    }
    const aggregated = await ctx.events.aggregateProperties({ appName, entityType: 'item', startTime });
    const itemProperties = new Map<string, JsonObject>();
    for (const [id, map] of aggregated) itemProperties.set(id, map.fields);
    ctx.log.info(
      `Read ${interactions.map((i) => `${i.users.length} ${i.eventName}`).join(', ') || 'no'} events, ` +
        `${users.size} users, ${items.size} items, properties of ${itemProperties.size} items.`,
    );
    return { appName, users, items, interactions, itemProperties, minEventsPerUser: this.params.minEventsPerUser };
  }
}
