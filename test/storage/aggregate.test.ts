import { describe, expect, it } from 'vitest';
import { aggregateProperties, type AggregatableEvent, type JsonObject } from '../../src/native/storage/index.js';

const at = (iso: string, zone = '-08:00') => ({ eventTime: new Date(iso), eventTimeZone: zone });
const ev = (event: string, entityId: string, properties: JsonObject, iso: string, zone?: string): AggregatableEvent => ({
  event,
  entityId,
  properties,
  ...at(iso, zone),
});

/** BEHAVIOUR.md#aggregation-example, the manual's worked example. */
const WORKED_EXAMPLE: AggregatableEvent[] = [
  ev('$set', '2', { a: 3, b: 4 }, '2014-09-09T16:17:42.937-08:00'),
  ev('$set', '2', { b: 5, c: 6 }, '2014-09-10T13:12:04.937-08:00'),
  ev('$unset', '2', { b: null }, '2014-09-11T14:17:42.456-08:00'),
  ev('$delete', '2', {}, '2014-09-12T16:13:41.452-08:00'),
  ev('$set', '2', {}, '2014-09-13T16:17:42.143-08:00'),
];

describe('aggregateProperties (BEHAVIOUR.md#property-aggregation)', () => {
  it('worked example, all events: {} with first/last updated', () => {
    const result = aggregateProperties(WORKED_EXAMPLE);
    expect([...result.keys()]).toEqual(['2']);
    const user = result.get('2')!;
    expect(user.fields).toEqual({});
    expect(user.firstUpdated.toISOString()).toBe(new Date('2014-09-09T16:17:42.937-08:00').toISOString());
    expect(user.firstUpdatedZone).toBe('-08:00');
    expect(user.lastUpdated.toISOString()).toBe(new Date('2014-09-13T16:17:42.143-08:00').toISOString());
  });

  it('worked example, until 2014-09-11T00:00 (before the $unset)', () => {
    const until = new Date('2014-09-11T00:00:00-08:00').getTime();
    const result = aggregateProperties(WORKED_EXAMPLE.filter((e) => e.eventTime.getTime() < until));
    const user = result.get('2')!;
    expect(user.fields).toEqual({ a: 3, b: 5, c: 6 });
    expect(user.lastUpdated.getTime()).toBe(new Date('2014-09-10T13:12:04.937-08:00').getTime());
  });

  it('order of input does not matter', () => {
    const shuffled = [WORKED_EXAMPLE[3]!, WORKED_EXAMPLE[0]!, WORKED_EXAMPLE[4]!, WORKED_EXAMPLE[2]!, WORKED_EXAMPLE[1]!];
    expect(aggregateProperties(shuffled)).toEqual(aggregateProperties(WORKED_EXAMPLE));
  });

  it('entity absent without $set, or when $delete is at/after the last $set', () => {
    const result = aggregateProperties([
      ev('$unset', 'a', { x: null }, '2020-01-01T00:00:00Z'),
      ev('$set', 'b', { x: 1 }, '2020-01-01T00:00:00Z'),
      ev('$delete', 'b', {}, '2020-01-01T00:00:00Z'), // same millisecond: removal wins
      ev('$set', 'c', { x: 1 }, '2020-01-01T00:00:00Z'),
      ev('$delete', 'c', {}, '2020-01-02T00:00:00Z'),
    ]);
    expect([...result.keys()]).toEqual([]);
  });

  it('$unset at the same millisecond as $set removes the key; later $set brings it back', () => {
    const result = aggregateProperties([
      ev('$set', 'u', { x: 1, y: 2 }, '2020-01-01T00:00:00Z'),
      ev('$unset', 'u', { x: null }, '2020-01-01T00:00:00Z'),
      ev('$set', 'v', { x: 1 }, '2020-01-01T00:00:00Z'),
      ev('$unset', 'v', { x: null }, '2020-01-02T00:00:00Z'),
      ev('$set', 'v', { x: 3 }, '2020-01-03T00:00:00Z'),
    ]);
    expect(result.get('u')!.fields).toEqual({ y: 2 });
    expect(result.get('v')!.fields).toEqual({ x: 3 });
  });

  it('$unset of a key never set is a no-op (upstream crashes)', () => {
    const result = aggregateProperties([
      ev('$set', 'u', { x: 1 }, '2020-01-01T00:00:00Z'),
      ev('$unset', 'u', { never: null }, '2020-01-02T00:00:00Z'),
    ]);
    expect(result.get('u')!.fields).toEqual({ x: 1 });
  });

  it('ignores other events and keeps nested values and each bound zone', () => {
    const result = aggregateProperties([
      ev('rate', 'u', { rating: 5 }, '2019-01-01T00:00:00Z', 'UTC'),
      ev('$set', 'u', { nested: { a: [1, 'two', null] } }, '2020-01-01T00:00:00+05:30', '+05:30'),
      ev('$set', 'u', { z: true }, '2020-06-01T00:00:00Z', 'UTC'),
    ]);
    const u = result.get('u')!;
    expect(u.fields).toEqual({ nested: { a: [1, 'two', null] }, z: true });
    expect(u.firstUpdatedZone).toBe('+05:30');
    expect(u.lastUpdatedZone).toBe('UTC');
    expect(u.firstUpdated.toISOString()).toBe('2019-12-31T18:30:00.000Z');
  });

  it('required keeps only entities having every listed key; empty list = no filter', () => {
    const events = [
      ev('$set', 'a', { x: 1, y: 2 }, '2020-01-01T00:00:00Z'),
      ev('$set', 'b', { x: 1 }, '2020-01-01T00:00:00Z'),
      ev('$set', 'c', { y: 1 }, '2020-01-01T00:00:00Z'),
    ];
    expect([...aggregateProperties(events, { required: ['x', 'y'] }).keys()]).toEqual(['a']);
    expect([...aggregateProperties(events, { required: ['x'] }).keys()].sort()).toEqual(['a', 'b']);
    expect(aggregateProperties(events, { required: [] }).size).toBe(3);
  });
});
