import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, http, startTestEventServer, type TestApp, type TestEventServer } from './helpers.js';

let server: TestEventServer;
let restricted: TestApp;

beforeAll(async () => {
  server = await startTestEventServer();
  restricted = await server.createApp('batch-restricted', ['view']);
});

afterAll(async () => {
  await server?.close();
});

const batchUrl = (key: string) => `${server.baseUrl}/batch/events.json?accessKey=${key}`;

describe('POST /batch/events.json', () => {
  it('answers per-item results in request order: 201 with id, 400 with message', async () => {
    const response = await http('POST', batchUrl(server.main.key), {
      raw: '[{"event":"test","entityType":"test","entityId":"t2"},{"event":"malformed-event"}]',
    });
    expect(response.status).toBe(200);
    expect(response.text).toMatch(
      /^\[\{"status":201,"eventId":"[0-9a-f]{32}"\},\{"status":400,"message":"org\.apache\.predictionio\.data\.storage\.DataMapException: The field entityType is required\."\}\]$/,
    );
    const [first] = response.json as Array<{ eventId: string }>;
    const stored = await http('GET', `${server.baseUrl}/events/${first?.eventId}.json?accessKey=${server.main.key}`);
    expect(stored.status).toBe(200);
  });

  it('marks events outside the allow-list 403 and stores the others', async () => {
    const response = await http('POST', batchUrl(restricted.key), {
      body: [event({ event: 'view', entityId: 'b1' }), event({ event: 'buy', entityId: 'b2' }), event({ event: '', entityId: 'b3' })],
    });
    expect(response.status).toBe(200);
    const results = response.json as Array<{ status: number; message?: string; eventId?: string }>;
    expect(results.map((result) => result.status)).toEqual([201, 403, 400]);
    expect(results[1]).toEqual({ status: 403, message: 'buy events are not allowed' });
    expect(results[2]?.message).toBe('java.lang.IllegalArgumentException: requirement failed: event must not be empty.');
    const stored = await server.storage.events.find({ appId: restricted.appId }, { limit: -1 });
    expect(stored.map((row) => row.entityId)).toEqual(['b1']);
  });

  it('accepts exactly 50 events and rejects 51 without storing any', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => event({ entityType: 'fifty', entityId: `e${i}` }));
    const ok = await http('POST', batchUrl(server.main.key), { body: fifty });
    expect(ok.status).toBe(200);
    expect((ok.json as unknown[]).every((item) => (item as { status: number }).status === 201)).toBe(true);
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityType: 'fifty' })).toBe(50);

    const fiftyOne = Array.from({ length: 51 }, (_, i) => event({ entityType: 'fiftyone', entityId: `e${i}` }));
    const tooMany = await http('POST', batchUrl(server.main.key), { body: fiftyOne });
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toBe('{"message":"Batch request must have less than or equal to 50 events"}');
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityType: 'fiftyone' })).toBe(0);
  });

  it('answers 200 [] for an empty array and 400 for a non-array body', async () => {
    const empty = await http('POST', batchUrl(server.main.key), { raw: '[]' });
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('[]');
    const object = await http('POST', batchUrl(server.main.key), { body: event() });
    expect(object.status).toBe(400);
    expect(typeof (object.json as { message: unknown }).message).toBe('string');
    const broken = await http('POST', batchUrl(server.main.key), { raw: '[{' });
    expect(broken.status).toBe(400);
  });

  it('answers an id taken by other content 409 for that event alone and stores the others', async () => {
    await http('POST', `${server.baseUrl}/events.json?accessKey=${server.main.key}`, { body: event({ eventId: 'batch-dup' }) });
    const response = await http('POST', batchUrl(server.main.key), {
      body: [event({ entityType: 'atomic', entityId: 'a1' }), event({ entityType: 'atomic', eventId: 'batch-dup' })],
    });
    expect(response.status).toBe(200);
    expect((response.json as Array<{ status: number }>).map((item) => item.status)).toEqual([201, 409]);
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityType: 'atomic' })).toBe(1);
  });
});
