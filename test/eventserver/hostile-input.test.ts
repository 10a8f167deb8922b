import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_LIMITS } from '../../src/native/events/index.js';
import { event, http, startTestEventServer, type TestEventServer } from './helpers.js';

// Hostile bodies, URLs and headers: each answers a 4xx naming what is wrong, costs little, and never
// makes the server store something other than what it acknowledged.
let server: TestEventServer;
let url: (path: string, query?: Record<string, string>) => string;

beforeAll(async () => {
  server = await startTestEventServer();
  url = (path, query = {}) => `${server.baseUrl}${path}?${new URLSearchParams({ accessKey: server.main.key, ...query }).toString()}`;
});

afterAll(async () => {
  await server?.close();
});

const messageOf = (response: { json: unknown }) => (response.json as { message: string }).message;

describe('bodies that would cost the server dearly', () => {
  it('answers JSON nested deeper than the limit 400, also far beyond what overflowed the stack', async () => {
    for (const depth of [JSON_LIMITS.maxDepth + 1, 5_000, 200_000]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const single = await http('POST', url('/events.json'), { raw: `{"event":"a","entityType":"u","entityId":"1","properties":{"x":${nested}}}` });
      expect(single.status).toBe(400);
      expect(messageOf(single)).toMatch(/nested deeper than 100 levels/);
      const batch = await http('POST', url('/batch/events.json'), { raw: `[${nested}]` });
      expect(batch.status).toBe(400);
      expect(messageOf(batch)).toMatch(/nested deeper than 100 levels/);
    }
    const webhook = await http('POST', url('/webhooks/segmentio.json'), { raw: `{"a":${'['.repeat(500)}${']'.repeat(500)}}` });
    expect(webhook.status).toBe(400);
  });

  it('answers a body with more values than the limit 400 without spending seconds on it', async () => {
    const numbers = Array.from({ length: JSON_LIMITS.maxValues + 1 }, () => '1.5').join(',');
    const started = performance.now();
    const response = await http('POST', url('/batch/events.json'), { raw: `[{"event":"a","entityType":"u","entityId":"1","properties":{"v":[${numbers}]}}]` });
    expect(response.status).toBe(400);
    expect(messageOf(response)).toMatch(/more than 100000 values/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('limits each route to its own body size (413)', async () => {
    const big = (bytes: number) => JSON.stringify(event({ properties: { blob: 'x'.repeat(bytes) } }));
    expect((await http('POST', url('/events.json'), { raw: big(600 * 1024) })).status).toBe(413);
    expect((await http('POST', url('/batch/events.json'), { raw: `[${big(600 * 1024)}]` })).status).toBe(200);
    expect((await http('POST', url('/batch/events.json'), { raw: `[${big(5 * 1024 * 1024)}]` })).status).toBe(413);
    expect((await http('POST', url('/webhooks/segmentio.json'), { raw: big(600 * 1024) })).status).toBe(413);
  });
});

describe('text the database cannot store as received', () => {
  it.each([
    ['entityId', { entityId: 'a\u0000b' }, /The field entityId contains a NUL character/],
    ['event', { event: '\u0000' }, /The field event contains a NUL character/],
    ['eventId', { eventId: 'id\u0000' }, /The field eventId contains a NUL character/],
    ['a lone high surrogate', { entityId: 'x\uD800' }, /The field entityId contains an unpaired UTF-16 surrogate/],
    ['a lone low surrogate', { targetEntityId: '\uDC00' }, /The field targetEntityId contains an unpaired UTF-16 surrogate/],
    ['a 33-character eventId', { eventId: 'x'.repeat(33) }, /^eventId "x{33}" is longer than 32 characters$/],
  ])('answers %s in a body 400, single and per batch item', async (_name, overrides, message) => {
    const single = await http('POST', url('/events.json'), { body: event(overrides) });
    expect(single.status).toBe(400);
    expect(messageOf(single)).toMatch(message);
    const batch = await http('POST', url('/batch/events.json'), { body: [event({ entityId: 'fine' }), event(overrides)] });
    expect(batch.status).toBe(200);
    const items = batch.json as Array<{ status: number; message?: string }>;
    expect(items.map((item) => item.status)).toEqual([201, 400]);
    expect(items[1]?.message).toMatch(message);
  });

  it('accepts a 32-character eventId and stores NUL and lone surrogates inside properties exactly as sent', async () => {
    const eventId = 'k'.repeat(32);
    const properties = { note: 'a\u0000b', half: '\uD83D', other: '\uDE00x' };
    const created = await http('POST', url('/events.json'), { body: event({ eventId, properties }) });
    expect(created.status).toBe(201);
    const fetched = await http('GET', url(`/events/${eventId}.json`));
    expect(fetched.status).toBe(200);
    expect((fetched.json as { properties: unknown }).properties).toEqual(properties);
  });

  it('answers a NUL in the path, the query or the Basic access key 400 with a JSON message', async () => {
    const base = server.baseUrl;
    for (const target of [
      `${base}/events.json?accessKey=%00`,
      `${base}/events/%00.json?accessKey=${server.main.key}`,
      `${base}/events.json?accessKey=${server.main.key}&entityId=a%00`,
      `${base}/webhooks/segmentio%00.json?accessKey=${server.main.key}`,
    ]) {
      const response = await http('GET', target);
      expect(response.status, target).toBe(400);
      expect(messageOf(response)).toMatch(/contains a NUL character/);
    }
    const basic = `Basic ${Buffer.from(`${server.main.key}\u0000:`).toString('base64')}`;
    const header = await http('POST', `${base}/webhooks/segmentio.json`, { body: { a: 1 }, headers: { authorization: basic } });
    expect(header.status).toBe(400);
    expect(messageOf(header)).toMatch(/The access key of the Authorization header contains a NUL character/);
  });
});

describe('error bodies', () => {
  it('never echo the access key of a malformed URL', async () => {
    const response = await http('GET', `${server.baseUrl}/events/%E0%A4%A.json?accessKey=${server.main.key}`);
    expect(response.status).toBe(400);
    expect(response.text).not.toContain(server.main.key);
  });

  it('carry no SQL details in a 500 (the log has them)', async () => {
    const table = server.storage.events.tableName({ appId: server.main.appId });
    const client = new pg.Client({ connectionString: server.database.url });
    await client.connect();
    try {
      await client.query(`ALTER TABLE ${table} ADD CONSTRAINT secret_rule CHECK (entityid <> 'forbidden')`);
    } finally {
      await client.end();
    }
    const single = await http('POST', url('/events.json'), { body: event({ entityId: 'forbidden' }) });
    const batch = await http('POST', url('/batch/events.json'), { body: [event({ entityId: 'forbidden' })] });
    for (const response of [single, batch]) {
      expect(response.status).toBe(500);
      expect(response.text).not.toMatch(/secret_rule|pio_event|violates|constraint/);
      expect(messageOf(response)).toBe("Internal error of the event store; the Event Server log has the details.");
    }
  });
});
