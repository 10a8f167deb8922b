import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, http, startTestEventServer, type TestEventServer } from './helpers.js';

/**
 * Where the Event Server knowingly differs from Apache PredictionIO, and that it reads rows upstream
 * wrote (COMPATIBILITY.md cites these tests by name).
 */

const UPSTREAM_JSON_TYPE = 'application/json; charset=UTF-8';

describe('Event Server compatibility', () => {
  let server: TestEventServer;
  let url: (path: string, query?: Record<string, string>) => string;

  beforeAll(async () => {
    server = await startTestEventServer();
    url = (path, query = {}) => `${server.baseUrl}${path}?${new URLSearchParams({ accessKey: server.main.key, ...query }).toString()}`;
  });

  afterAll(async () => {
    await server?.close();
  });

  it("answers JSON with 0.12/0.13's content type application/json; charset=UTF-8", async () => {
    const created = await http('POST', url('/events.json'), { body: event({ entityId: 'ctype' }) });
    const badBody = await http('POST', url('/events.json'), { body: { event: 'rate' } });
    const unauthorized = await http('GET', `${server.baseUrl}/events.json`);
    const notFound = await http('GET', url('/events.json', { entityType: 'nobody' }));
    expect([created.status, badBody.status, unauthorized.status, notFound.status]).toEqual([201, 400, 401, 404]);
    for (const response of [created, badBody, unauthorized, notFound]) expect(response.contentType).toBe(UPSTREAM_JSON_TYPE);
  });

  it("reads bodies in json4s-native's dialect (missing or trailing commas), and answers 400 to what json4s rejects", async () => {
    const missingComma = await http('POST', url('/events.json'), {
      raw: '{"event":"rate" "entityType":"lenient","entityId":"u1" "properties":{"rating":4.0}}',
    });
    const trailingComma = await http('POST', url('/events.json'), {
      raw: '{"event":"rate","entityType":"lenient","entityId":"u2",}',
    });
    const batchTrailingComma = await http('POST', url('/batch/events.json'), {
      raw: '[{"event":"rate","entityType":"lenient","entityId":"u3"},]',
    });
    expect([missingComma.status, trailingComma.status, batchTrailingComma.status]).toEqual([201, 201, 200]);
    const stored = await http('GET', url(`/events/${(missingComma.json as { eventId: string }).eventId}.json`));
    expect(stored.text).toContain('"properties":{"rating":4.0}');
    for (const raw of ['{event:"rate"}', '{"event" "rate"}', '[{"event":"rate":1}]']) {
      const response = await http('POST', url('/events.json'), { raw });
      expect(response.status, raw).toBe(400);
      expect(response.contentType).toBe(UPSTREAM_JSON_TYPE);
      expect(Object.keys(response.json as object)).toEqual(['message']);
    }
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityType: 'lenient' })).toBe(3);
  });

  it('answers 404 Not Found when deleting an id that never existed (upstream JDBC: 200 Found)', async () => {
    const response = await http('DELETE', url('/events/never-existed.json'));
    expect(response.status).toBe(404);
    expect(response.text).toBe('{"message":"Not Found"}');
  });

  it('answers a batch per event as upstream does: a retried id 201, an id taken by other content 409', async () => {
    await http('POST', url('/events.json'), { body: event({ eventId: 'compat-dup', entityType: 'batchfail' }) });
    const response = await http('POST', url('/batch/events.json'), {
      body: [
        event({ entityType: 'batchfail', entityId: 'new' }),
        event({ eventId: 'compat-dup', entityType: 'batchfail' }),
        event({ eventId: 'compat-dup', entityType: 'batchfail', entityId: 'other' }),
      ],
    });
    expect(response.status).toBe(200);
    expect(response.contentType).toBe(UPSTREAM_JSON_TYPE);
    const items = response.json as Array<{ status: number; eventId?: string; message?: string }>;
    expect(items.map((item) => item.status)).toEqual([201, 201, 409]);
    expect(items[1]?.eventId).toBe('compat-dup');
    expect(items[2]?.message).toMatch(/already stored with different content/);
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityType: 'batchfail' })).toBe(2);
  });

  it("answers a failed find with 0.12/0.13's 400 and the error's toString (0.14: 500); a failed insert with 500", async () => {
    const broken = await server.createApp('broken');
    await server.storage.events.remove({ appId: broken.appId });
    const find = await http('GET', `${server.baseUrl}/events.json?accessKey=${broken.key}`);
    expect(find.status).toBe(400);
    expect((find.json as { message: string }).message).toMatch(/^StorageError: The event table \w+ \(app ID \d+\) does not exist\.$/);
    const insert = await http('POST', `${server.baseUrl}/events.json?accessKey=${broken.key}`, { body: event() });
    expect(insert.status).toBe(500);
    expect((insert.json as { message: string }).message).toMatch(/does not exist/);
  });

  it('reads rows as Apache PredictionIO writes them: UTC wall-clock, named and fixed zones, NULL properties, tags', async () => {
    const table = server.storage.events.tableName({ appId: server.main.appId });
    const client = new pg.Client({ connectionString: server.database.url });
    await client.connect();
    try {
      // What upstream's JDBC backend inserts (JVM in UTC): `pio import` leaves empty properties NULL.
      await client.query(
        `INSERT INTO ${table} (id, event, entitytype, entityid, targetentitytype, targetentityid, properties, eventtime,
           eventtimezone, tags, prid, creationtime, creationtimezone) VALUES
         ('upstream-named', 'rate', 'upstream', 'u9', 'item', 'i9', NULL, '2014-07-01 16:00:00', 'America/Los_Angeles',
           'a,b', NULL, '2019-03-01 10:00:00.123', 'UTC'),
         ('upstream-fixed', 'buy', 'upstream', 'u9', NULL, NULL, '{"price":4.0}', '2014-11-02 04:09:45.618', '+05:30',
           NULL, 'pr-7', '2019-03-01 10:00:01', 'UTC')`,
      );
    } finally {
      await client.end();
    }
    const found = await http('GET', url('/events.json', { entityType: 'upstream', entityId: 'u9' }));
    expect(found.status).toBe(200);
    expect(found.text).toBe(
      '[{"eventId":"upstream-named","event":"rate","entityType":"upstream","entityId":"u9","targetEntityType":"item",' +
        '"targetEntityId":"i9","properties":{},"eventTime":"2014-07-01T09:00:00.000-07:00","creationTime":"2019-03-01T10:00:00.123Z"},' +
        '{"eventId":"upstream-fixed","event":"buy","entityType":"upstream","entityId":"u9","properties":{"price":4.0},' +
        '"eventTime":"2014-11-02T09:39:45.618+05:30","prId":"pr-7","creationTime":"2019-03-01T10:00:01.000Z"}]',
    );
    // The stored wall-clock is read as UTC: an instant-equal bound in another offset still matches (inclusive).
    const bounded = await http('GET', url('/events.json', { entityType: 'upstream', startTime: '2014-07-01T16:00:00Z', untilTime: '2014-07-01T09:00:00.001-07:00' }));
    expect((bounded.json as Array<{ eventId: string }>).map((e) => e.eventId)).toEqual(['upstream-named']);
  });
});

describe('access-key cache (1 s)', () => {
  let server: TestEventServer;

  beforeAll(async () => {
    // undefined = the server's default cache time, as `pio eventserver` runs it.
    server = await startTestEventServer({ accessKeyCacheMillis: undefined });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('accepts a new key at once; a deleted key keeps working for at most a second', async () => {
    const key = 'compat-cache-key';
    const find = () => http('GET', `${server.baseUrl}/events.json?accessKey=${key}`);
    expect((await find()).status).toBe(401);
    await server.storage.accessKeys.insert({ key, appId: server.main.appId, events: [] });
    expect((await find()).status).toBe(404); // authenticated, no events: unknown keys are never cached
    await server.storage.accessKeys.delete(key);
    expect((await find()).status).toBe(404); // still cached
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const revoked = await find();
    expect([revoked.status, revoked.text]).toEqual([401, '{"message":"Invalid accessKey."}']);
  });
});
