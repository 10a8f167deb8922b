import type { EngineContext, EngineEvent, EventColumns, EventStore } from 'pio-deploy/engine';
import { describe, expect, it } from 'vitest';
import { ratingColumnsOf } from './als.js';
import { RatingsDataSource } from './data-source.js';

interface Row {
  event: string;
  user: string;
  item?: string;
  properties: { [key: string]: unknown };
}

/** An event store over `rows` whose columnar read mirrors the runtime's (NaN where `rating` is not a number). */
function contextOf(rows: Row[]): EngineContext {
  const ids = (values: string[]) => [...new Set(values)];
  const entityIds = ids(rows.map((row) => row.user));
  const targetIds = ids(rows.flatMap((row) => (row.item === undefined ? [] : [row.item])));
  const eventNames = ids(rows.map((row) => row.event));
  const columns: EventColumns = {
    size: rows.length,
    entity: Int32Array.from(rows, (row) => entityIds.indexOf(row.user)),
    target: Int32Array.from(rows, (row) => (row.item === undefined ? -1 : targetIds.indexOf(row.item))),
    event: Uint8Array.from(rows, (row) => eventNames.indexOf(row.event)),
    value: Float64Array.from(rows, (row) => (typeof row.properties.rating === 'number' ? row.properties.rating : Number.NaN)),
    time: new Float64Array(rows.length),
    entityIds,
    targetIds,
    eventNames,
  };
  const events = rows.map(
    (row, i): EngineEvent => ({
      eventId: `e${i}`,
      event: row.event,
      entityType: 'user',
      entityId: row.user,
      targetEntityType: 'item',
      targetEntityId: row.item,
      properties: row.properties as EngineEvent['properties'],
      eventTime: new Date(0),
      eventTimeZone: 'UTC',
      tags: [],
      creationTime: new Date(0),
    }),
  );
  const store: Pick<EventStore, 'readColumns' | 'stream'> = {
    readColumns: async () => columns,
    async *stream() {
      yield* events;
    },
  };
  return { events: store, log: { info() {} } } as unknown as EngineContext;
}

describe('RatingsDataSource', () => {
  const source = new RatingsDataSource({ appName: 'app' });

  it('reads rate events with their rating and buy events as a 4, in event order', async () => {
    const ctx = contextOf([
      { event: 'rate', user: 'u1', item: 'i1', properties: { rating: 3.5 } },
      { event: 'buy', user: 'u2', item: 'i1', properties: {} },
      { event: 'rate', user: 'u1', item: 'i2', properties: { rating: 1 } },
    ]);
    const { ratings } = await source.readTraining(ctx);
    expect(ratings).toEqual(
      ratingColumnsOf([
        { user: 'u1', item: 'i1', rating: 3.5 },
        { user: 'u2', item: 'i1', rating: 4 },
        { user: 'u1', item: 'i2', rating: 1 },
      ]),
    );
  });

  it('names the event whose rating is not a number', async () => {
    const ctx = contextOf([
      { event: 'rate', user: 'u1', item: 'i1', properties: { rating: 3 } },
      { event: 'rate', user: 'u1', item: 'i2', properties: { rating: 'five' } },
    ]);
    await expect(source.readTraining(ctx)).rejects.toThrow('Cannot convert event e1 to a rating: property "rating" must be a number, got "five".');
  });

  it('names the event without a target', async () => {
    const ctx = contextOf([{ event: 'buy', user: 'u1', properties: {} }]);
    await expect(source.readTraining(ctx)).rejects.toThrow('Cannot convert event e0 to a rating: it has no targetEntityId.');
  });
});
