import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError, type EventInput, type StoredEvent } from '../../src/native/storage/index.js';
import { openTestStorage, type StorageFixture } from './helpers.js';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await openTestStorage();
});
afterAll(async () => {
  await fixture?.close();
});

let nextApp = 100;
async function freshScope(channelId?: number) {
  const scope = { appId: nextApp++, channelId };
  await fixture.storage.events.init(scope);
  return scope;
}

const t = (iso: string) => new Date(iso);

describe('event encoding (BEHAVIOUR.md#value-encodings, BEHAVIOUR.md#identifiers)', () => {
  it('stores columns as upstream: JSON text, UTC wall-clock timestamps, zone ids, NULL optionals', async () => {
    const scope = await freshScope();
    const id = await fixture.storage.events.insert(scope, {
      event: 'rate',
      entityType: 'user',
      entityId: '1',
      targetEntityType: 'item',
      targetEntityId: '2',
      properties: { rating: 3, note: 'a,b' },
      eventTime: t('2014-11-02T09:39:45.618-08:00'),
      eventTimeZone: '-08:00',
      creationTime: t('2019-03-01T10:00:00.123Z'),
    });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const [row] = await fixture.sql(
      `SELECT id, event, entitytype, entityid, targetentitytype, targetentityid, properties, eventtime::text AS eventtime,
              eventtimezone, tags, prid, creationtime::text AS creationtime, creationtimezone
         FROM pio_event_${scope.appId}`,
    );
    expect(row).toEqual({
      id,
      event: 'rate',
      entitytype: 'user',
      entityid: '1',
      targetentitytype: 'item',
      targetentityid: '2',
      properties: '{"rating":3,"note":"a,b"}',
      eventtime: '2014-11-02 17:39:45.618',
      eventtimezone: '-08:00',
      tags: null,
      prid: null,
      creationtime: '2019-03-01 10:00:00.123',
      creationtimezone: 'UTC',
    });
    const stored = await fixture.storage.events.get(scope, id);
    expect(stored).toEqual<StoredEvent>({
      eventId: id,
      event: 'rate',
      entityType: 'user',
      entityId: '1',
      targetEntityType: 'item',
      targetEntityId: '2',
      properties: { rating: 3, note: 'a,b' },
      propertiesText: '{"rating":3,"note":"a,b"}',
      eventTime: t('2014-11-02T09:39:45.618-08:00'),
      eventTimeZone: '-08:00',
      tags: [],
      prId: undefined,
      creationTime: t('2019-03-01T10:00:00.123Z'),
      creationTimeZone: 'UTC',
    });
  });

  it('defaults: eventTime = creationTime = now in UTC, properties {}; tags and prId round-trip', async () => {
    const scope = await freshScope();
    const before = Date.now();
    const id = await fixture.storage.events.insert(scope, {
      event: 'view',
      entityType: 'user',
      entityId: 'u',
      tags: ['a', 'b'],
      prId: 'pr1',
    });
    const stored = (await fixture.storage.events.get(scope, id))!;
    expect(stored.eventTime.getTime()).toBe(stored.creationTime.getTime());
    expect(stored.eventTime.getTime()).toBeGreaterThanOrEqual(before);
    expect(stored.eventTime.getTime()).toBeLessThanOrEqual(Date.now());
    expect(stored.eventTimeZone).toBe('UTC');
    expect(stored.propertiesText).toBe('{}');
    expect(stored.tags).toEqual(['a', 'b']);
    expect(stored.prId).toBe('pr1');
    const [row] = await fixture.sql(`SELECT tags, prid FROM pio_event_${scope.appId}`);
    expect(row).toEqual({ tags: 'a,b', prid: 'pr1' });
  });

  it('writes timestamps as UTC wall-clock whatever the process time zone', async () => {
    const scope = await freshScope();
    const saved = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      const id = await fixture.storage.events.insert(scope, {
        event: 'x',
        entityType: 'e',
        entityId: '1',
        eventTime: t('2020-07-01T12:00:00.000Z'),
      });
      const [row] = await fixture.sql<{ eventtime: string }>(`SELECT eventtime::text AS eventtime FROM pio_event_${scope.appId}`);
      expect(row!.eventtime).toBe('2020-07-01 12:00:00');
      expect((await fixture.storage.events.get(scope, id))!.eventTime.toISOString()).toBe('2020-07-01T12:00:00.000Z');
      const found = await fixture.storage.events.find(scope, { startTime: t('2020-07-01T12:00:00.000Z') });
      expect(found).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('honours a client event id; a retry of it stores nothing new, other content and over-long ids fail', async () => {
    const scope = await freshScope();
    const base = { event: 'e', entityType: 't', entityId: '1' };
    expect(await fixture.storage.events.insert(scope, { ...base, eventId: 'my-own-id' })).toBe('my-own-id');
    expect(await fixture.storage.events.insert(scope, { ...base, eventId: 'my-own-id' })).toBe('my-own-id');
    await expect(fixture.storage.events.insert(scope, { ...base, entityId: '2', eventId: 'my-own-id' })).rejects.toThrow(/duplicate key/);
    await expect(fixture.storage.events.insert(scope, { ...base, eventId: 'x'.repeat(33) })).rejects.toThrow(/too long/);
    expect(await fixture.storage.events.count(scope)).toBe(1);
  });

  it('writes propertiesText verbatim (lossless numbers) and reads NULL properties as {}', async () => {
    const scope = await freshScope();
    const id = await fixture.storage.events.insert(scope, {
      event: 'e',
      entityType: 't',
      entityId: '1',
      properties: { x: 5, big: Number('12345678901234567890') },
      propertiesText: '{"x":5.0,"big":12345678901234567890}',
    });
    expect((await fixture.storage.events.get(scope, id))!.propertiesText).toBe('{"x":5.0,"big":12345678901234567890}');
    await fixture.sql(
      `INSERT INTO pio_event_${scope.appId} (id, event, entitytype, entityid, properties, eventtimezone, creationtimezone)
       VALUES ('nullprops', 'e', 't', '2', NULL, 'UTC', 'UTC')`,
    );
    const nullProps = (await fixture.storage.events.get(scope, 'nullprops'))!;
    expect(nullProps.properties).toEqual({});
    expect(nullProps.propertiesText).toBe('{}');
  });

  it('get/delete: unknown ids give undefined/false; delete removes the row', async () => {
    const scope = await freshScope();
    const id = await fixture.storage.events.insert(scope, { event: 'e', entityType: 't', entityId: '1' });
    expect(await fixture.storage.events.get(scope, 'nope')).toBeUndefined();
    expect(await fixture.storage.events.delete(scope, 'nope')).toBe(false);
    expect(await fixture.storage.events.delete(scope, id)).toBe(true);
    expect(await fixture.storage.events.get(scope, id)).toBeUndefined();
  });

  it('a missing event table is a StorageError naming the table', async () => {
    const scope = { appId: 999_999 };
    const error = await fixture.storage.events.insert(scope, { event: 'e', entityType: 't', entityId: '1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe('The event table pio_event_999999 (app ID 999999) does not exist.');
    await expect(fixture.storage.events.find(scope)).rejects.toThrow(/pio_event_999999/);
  });

  it('channels have their own table', async () => {
    const app = await freshScope();
    const channel = await freshScope(5);
    const channelScope = { appId: channel.appId, channelId: 5 };
    await fixture.storage.events.insert(channelScope, { event: 'c', entityType: 't', entityId: '1' });
    expect(await fixture.storage.events.count(channelScope)).toBe(1);
    expect(await fixture.storage.events.count(app)).toBe(0);
    const [row] = await fixture.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pio_event_${channel.appId}_5`);
    expect(row!.n).toBe(1);
  });
});

describe('queries (BEHAVIOUR.md#event-queries)', () => {
  const scopePromise = (async () => undefined)();
  let scope: { appId: number };
  const ids: Record<string, string> = {};
  const seed: Array<[string, EventInput]> = [
    ['a', { event: 'rate', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i1', eventTime: t('2020-01-01T00:00:00.000Z') }],
    ['b', { event: 'buy', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i2', eventTime: t('2020-01-02T00:00:00.000Z') }],
    ['c', { event: '$set', entityType: 'user', entityId: 'u1', eventTime: t('2020-01-03T00:00:00.000Z') }],
    ['d', { event: 'rate', entityType: 'user', entityId: 'u2', targetEntityType: 'item', targetEntityId: 'i1', eventTime: t('2020-01-04T00:00:00.000Z') }],
    ['e', { event: 'view', entityType: 'user', entityId: 'u2', targetEntityType: 'page', targetEntityId: 'p1', eventTime: t('2020-01-05T00:00:00.000Z') }],
    ['f', { event: '$set', entityType: 'item', entityId: 'i1', eventTime: t('2020-01-06T00:00:00.000Z') }],
  ];
  beforeAll(async () => {
    await scopePromise;
    scope = await freshScope();
    const inserted = await fixture.storage.events.insertBatch(scope, seed.map(([, e]) => e));
    seed.forEach(([name], i) => (ids[inserted[i]!] = name));
  });
  const names = (events: StoredEvent[]) => events.map((e) => ids[e.eventId]).join('');
  const find = async (query: Parameters<typeof fixture.storage.events.find>[1]) => names(await fixture.storage.events.find(scope, query));

  it('no filter: all, oldest first', async () => {
    expect(await find({})).toBe('abcdef');
  });
  it('startTime is inclusive, untilTime exclusive', async () => {
    expect(await find({ startTime: t('2020-01-02T00:00:00.000Z') })).toBe('bcdef');
    expect(await find({ untilTime: t('2020-01-04T00:00:00.000Z') })).toBe('abc');
    expect(await find({ startTime: t('2020-01-02T00:00:00.000Z'), untilTime: t('2020-01-02T00:00:00.001Z') })).toBe('b');
    expect(await find({ startTime: t('2020-01-02T00:00:00.001Z'), untilTime: t('2020-01-04T00:00:00.000Z') })).toBe('c');
  });
  it('entity filters and event names (any of)', async () => {
    expect(await find({ entityType: 'user' })).toBe('abcde');
    expect(await find({ entityType: 'user', entityId: 'u2' })).toBe('de');
    expect(await find({ eventNames: ['rate', 'view'] })).toBe('ade');
    expect(await find({ eventNames: ['$set'] })).toBe('cf');
    expect(await find({ eventNames: [] })).toBe('abcdef');
  });
  it('target filters are three-state: unset, null = no target, value = equality', async () => {
    expect(await find({ targetEntityType: null })).toBe('cf');
    expect(await find({ targetEntityId: null })).toBe('cf');
    expect(await find({ targetEntityType: 'item' })).toBe('abd');
    expect(await find({ targetEntityType: 'item', targetEntityId: 'i1' })).toBe('ad');
    expect(await find({ targetEntityId: 'p1' })).toBe('e');
  });
  it('limit: -1 or undefined = all, 0 = none, n = first n', async () => {
    expect(await find({ limit: -1 })).toBe('abcdef');
    expect(await find({ limit: 0 })).toBe('');
    expect(await find({ limit: 2 })).toBe('ab');
    expect(await find({ entityType: 'user', limit: 20 })).toBe('abcde');
  });
  it('reversed = newest first, limit applies after ordering', async () => {
    expect(await find({ reversed: true })).toBe('fedcba');
    expect(await find({ entityType: 'user', entityId: 'u1', reversed: true, limit: 2 })).toBe('cb');
  });
  it('count and stream use the same filters', async () => {
    expect(await fixture.storage.events.count(scope, { entityType: 'user', targetEntityType: null })).toBe(1);
    const streamed: StoredEvent[] = [];
    for await (const event of fixture.storage.events.stream(scope, { reversed: true, limit: 4 })) streamed.push(event);
    expect(names(streamed)).toBe('fedc');
  });
  it('ties on eventTime are ordered by id (deterministic)', async () => {
    const tied = await freshScope();
    const same = t('2021-01-01T00:00:00Z');
    await fixture.storage.events.insertBatch(
      tied,
      ['c3', 'a1', 'b2'].map((eventId) => ({ eventId, event: 'e', entityType: 't', entityId: '1', eventTime: same })),
    );
    expect((await fixture.storage.events.find(tied)).map((e) => e.eventId)).toEqual(['a1', 'b2', 'c3']);
    expect((await fixture.storage.events.find(tied, { reversed: true })).map((e) => e.eventId)).toEqual(['c3', 'b2', 'a1']);
  });
});

describe('batch, streaming and bulk import', () => {
  it('insertBatch is all-or-nothing and returns ids in input order', async () => {
    const scope = await freshScope();
    const ids = await fixture.storage.events.insertBatch(scope, [
      { event: 'a', entityType: 't', entityId: '1' },
      { eventId: 'given', event: 'b', entityType: 't', entityId: '2' },
    ]);
    expect(ids[1]).toBe('given');
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    await expect(
      fixture.storage.events.insertBatch(scope, [
        { event: 'c', entityType: 't', entityId: '3' },
        { eventId: 'given', event: 'd', entityType: 't', entityId: '4' },
      ]),
    ).rejects.toThrow(/duplicate key/);
    expect(await fixture.storage.events.count(scope)).toBe(2);
  });

  it('stream reads large tables in pages and frees its connection when the consumer stops early', async () => {
    const scope = await freshScope();
    const events = Array.from({ length: 2_500 }, (_, i) => ({
      event: 'e',
      entityType: 't',
      entityId: String(i),
      eventTime: new Date(Date.UTC(2020, 0, 1) + i * 1000),
    }));
    await fixture.storage.events.insertBatch(scope, events);
    let n = 0;
    let last = -1;
    for await (const event of fixture.storage.events.stream(scope)) {
      expect(event.eventTime.getTime()).toBeGreaterThan(last);
      last = event.eventTime.getTime();
      n++;
    }
    expect(n).toBe(2_500);
    // More early exits than the pool has connections: a leak would hang here.
    for (let i = 0; i < 20; i++) {
      for await (const event of fixture.storage.events.stream(scope)) {
        expect(event.entityId).toBe('0');
        break;
      }
    }
    expect(await fixture.storage.events.count(scope)).toBe(2_500);
  });

  it('importStream copies rows in one transaction, escaping COPY specials, NULL for empty properties', async () => {
    const scope = await freshScope();
    const tricky = 'tab\there\nnew line\\backslash\r\u00e9\u{1F600}';
    async function* source(): AsyncGenerator<EventInput> {
      for (let i = 0; i < 3_000; i++) {
        yield {
          event: i % 2 ? 'rate' : '$set',
          entityType: 'user',
          entityId: `u${i}`,
          properties: i === 0 ? { text: tricky } : i % 2 ? { rating: i } : {},
          eventTime: new Date(Date.UTC(2020, 0, 1) + i),
          eventTimeZone: i === 1 ? '+05:30' : 'UTC',
          ...(i === 2 ? { eventId: 'import-given', tags: ['x', 'y'], prId: 'p', targetEntityType: 'item', targetEntityId: 'i' } : {}),
        };
      }
    }
    const result = await fixture.storage.events.importStream(scope, source());
    expect(result.count).toBe(3_000);
    expect(await fixture.storage.events.count(scope)).toBe(3_000);
    const [first] = await fixture.storage.events.find(scope, { entityId: 'u0' });
    expect(first!.properties).toEqual({ text: tricky });
    const rows = await fixture.sql(`SELECT properties FROM pio_event_${scope.appId} WHERE entityid IN ('u2', 'u4')`);
    expect(rows).toEqual([{ properties: null }, { properties: null }]);
    const given = (await fixture.storage.events.get(scope, 'import-given'))!;
    expect(given).toMatchObject({ tags: ['x', 'y'], prId: 'p', targetEntityType: 'item', targetEntityId: 'i', properties: {} });
    expect((await fixture.storage.events.find(scope, { entityId: 'u1' }))[0]!.eventTimeZone).toBe('+05:30');
  });

  it('importStream imports nothing when the input or the database fails midway', async () => {
    const scope = await freshScope();
    async function* failing(): AsyncGenerator<EventInput> {
      for (let i = 0; i < 5_000; i++) yield { event: 'e', entityType: 't', entityId: String(i) };
      throw new Error('bad line 5001');
    }
    await expect(fixture.storage.events.importStream(scope, failing())).rejects.toThrow('bad line 5001');
    const duplicates: EventInput[] = [
      { eventId: 'dup', event: 'e', entityType: 't', entityId: '1' },
      { eventId: 'dup', event: 'e', entityType: 't', entityId: '2' },
    ];
    await expect(fixture.storage.events.importStream(scope, duplicates)).rejects.toThrow(/duplicate key/);
    expect(await fixture.storage.events.count(scope)).toBe(0);
    // the connection went back to the pool in a usable state
    expect((await fixture.storage.events.importStream(scope, [duplicates[0]!])).count).toBe(1);
  });
});

describe('group commit writer', () => {
  it('coalesces concurrent inserts, acknowledges each after commit, isolates a bad event', async () => {
    const scope = await freshScope();
    const other = await freshScope();
    const writer = fixture.storage.events.createGroupCommitWriter({ maxConcurrentBatches: 2 });
    await fixture.storage.events.insert(scope, { eventId: 'taken', event: 'e', entityType: 't', entityId: '0' });
    const results = await Promise.allSettled(
      Array.from({ length: 400 }, (_, i) =>
        writer.insert(i % 4 === 0 ? other : scope, {
          event: 'e',
          entityType: 't',
          entityId: String(i),
          ...(i === 123 ? { eventId: 'taken' } : {}),
        }),
      ),
    );
    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(rejected).toEqual([123]);
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(new Set(ids).size).toBe(399);
    expect(await fixture.storage.events.count(scope)).toBe(1 + 299);
    expect(await fixture.storage.events.count(other)).toBe(100);
    for (const id of ids.slice(0, 5)) {
      expect((await fixture.storage.events.get(scope, id)) ?? (await fixture.storage.events.get(other, id))).toBeDefined();
    }
    await writer.close();
    await expect(writer.insert(scope, { event: 'e', entityType: 't', entityId: 'late' })).rejects.toThrow(/closed/);
  });
});

describe('aggregateProperties on stored events (BEHAVIOUR.md#aggregation-example worked example)', () => {
  it('selects $set/$unset/$delete of the entity type and applies the time window', async () => {
    const scope = await freshScope();
    const z = '-08:00';
    await fixture.storage.events.insertBatch(scope, [
      { event: '$set', entityType: 'user', entityId: '2', properties: { a: 3, b: 4 }, eventTime: t('2014-09-09T16:17:42.937-08:00'), eventTimeZone: z },
      { event: '$set', entityType: 'user', entityId: '2', properties: { b: 5, c: 6 }, eventTime: t('2014-09-10T13:12:04.937-08:00'), eventTimeZone: z },
      { event: '$unset', entityType: 'user', entityId: '2', properties: { b: null }, eventTime: t('2014-09-11T14:17:42.456-08:00'), eventTimeZone: z },
      { event: '$delete', entityType: 'user', entityId: '2', eventTime: t('2014-09-12T16:13:41.452-08:00'), eventTimeZone: z },
      { event: '$set', entityType: 'user', entityId: '2', properties: {}, eventTime: t('2014-09-13T16:17:42.143-08:00'), eventTimeZone: z },
      { event: '$set', entityType: 'item', entityId: '2', properties: { other: true }, eventTime: t('2014-09-09T00:00:00Z') },
      { event: 'rate', entityType: 'user', entityId: '3', properties: { r: 1 }, eventTime: t('2014-09-09T00:00:00Z'), targetEntityType: 'item', targetEntityId: '2' },
    ]);
    const all = await fixture.storage.events.aggregateProperties(scope, { entityType: 'user' });
    expect([...all.keys()]).toEqual(['2']);
    expect(all.get('2')).toEqual({
      fields: {},
      firstUpdated: t('2014-09-09T16:17:42.937-08:00'),
      firstUpdatedZone: '-08:00',
      lastUpdated: t('2014-09-13T16:17:42.143-08:00'),
      lastUpdatedZone: '-08:00',
    });
    const before = await fixture.storage.events.aggregateProperties(scope, { entityType: 'user', untilTime: t('2014-09-11T00:00:00-08:00') });
    expect(before.get('2')!.fields).toEqual({ a: 3, b: 5, c: 6 });
    expect(before.get('2')!.lastUpdated).toEqual(t('2014-09-10T13:12:04.937-08:00'));
    const required = await fixture.storage.events.aggregateProperties(scope, {
      entityType: 'user',
      untilTime: t('2014-09-11T00:00:00-08:00'),
      required: ['a', 'zzz'],
    });
    expect(required.size).toBe(0);
    const items = await fixture.storage.events.aggregateProperties(scope, { entityType: 'item' });
    expect(items.get('2')!.fields).toEqual({ other: true });
  });
});
