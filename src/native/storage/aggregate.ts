import type { AggregatableEvent, AggregateOptions, JsonObject, JsonValue, PropertyMap } from './types.js';

const SPECIAL_EVENTS = new Set(['$set', '$unset', '$delete']);

interface EntityState {
  /** Per key: value and time of the latest `$set` carrying it. */
  set: Map<string, { value: JsonValue; t: number }>;
  setT: number | undefined;
  /** Per key: time of the latest `$unset` listing it. */
  unset: Map<string, number>;
  deleteT: number | undefined;
  first: { time: Date; zone: string };
  last: { time: Date; zone: string };
}

/**
 * Derives entity properties from `$set`/`$unset`/`$delete` events the way engines observe them upstream
 * (BEHAVIOUR.md#aggregation-rules, parallel aggregation): per key the latest `$set` wins, an `$unset` or `$delete` at the same
 * or a later millisecond removes it, a `$delete` at or after the last `$set` removes the entity. Other
 * events are ignored; callers select the entity type and time window. An `$unset` of a key no `$set`
 * ever carried is a no-op (upstream crashes there, BEHAVIOUR.md#aggregation-rules).
 */
export function aggregateProperties(
  events: Iterable<AggregatableEvent>,
  options: AggregateOptions = {},
): Map<string, PropertyMap> {
  const aggregator = new PropertyAggregator();
  for (const event of events) aggregator.add(event);
  return aggregator.result(options);
}

/** Incremental form of `aggregateProperties`, for events that arrive as a stream. */
export class PropertyAggregator {
  private readonly entities = new Map<string, EntityState>();

  add(event: AggregatableEvent): void {
    if (!SPECIAL_EVENTS.has(event.event)) return;
    const t = event.eventTime.getTime();
    let state = this.entities.get(event.entityId);
    if (!state) {
      const at = { time: event.eventTime, zone: event.eventTimeZone };
      state = { set: new Map(), setT: undefined, unset: new Map(), deleteT: undefined, first: at, last: at };
      this.entities.set(event.entityId, state);
    } else {
      if (t < state.first.time.getTime()) state.first = { time: event.eventTime, zone: event.eventTimeZone };
      if (t > state.last.time.getTime()) state.last = { time: event.eventTime, zone: event.eventTimeZone };
    }
    if (event.event === '$set') {
      state.setT = Math.max(state.setT ?? t, t);
      for (const [key, value] of Object.entries(event.properties)) {
        const current = state.set.get(key);
        if (!current || t >= current.t) state.set.set(key, { value, t });
      }
    } else if (event.event === '$unset') {
      for (const key of Object.keys(event.properties)) {
        state.unset.set(key, Math.max(state.unset.get(key) ?? t, t));
      }
    } else {
      state.deleteT = Math.max(state.deleteT ?? t, t);
    }
  }

  result(options: AggregateOptions = {}): Map<string, PropertyMap> {
    const required = options.required ?? [];
    const result = new Map<string, PropertyMap>();
    for (const [entityId, state] of this.entities) {
      if (state.setT === undefined) continue;
      if (state.deleteT !== undefined && state.deleteT >= state.setT) continue;
      const fields: JsonObject = {};
      for (const [key, { value, t }] of state.set) {
        const unsetT = state.unset.get(key);
        if (unsetT !== undefined && unsetT >= t) continue;
        if (state.deleteT !== undefined && t <= state.deleteT) continue;
        fields[key] = value;
      }
      if (!required.every((key) => Object.hasOwn(fields, key))) continue;
      result.set(entityId, {
        fields,
        firstUpdated: state.first.time,
        firstUpdatedZone: state.first.zone,
        lastUpdated: state.last.time,
        lastUpdatedZone: state.last.zone,
      });
    }
    return result;
  }
}
