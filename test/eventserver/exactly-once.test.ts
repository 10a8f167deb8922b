import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, http, startTestEventServer, type TestEventServer } from './helpers.js';

// A client that sets its own eventId can retry any answer it did not get (503, timeout, reset) safely:
// the same content under the same id answers 201 again and stores nothing new; other content, 409.
let server: TestEventServer;
let url: (path: string) => string;

beforeAll(async () => {
  server = await startTestEventServer();
  url = (path) => `${server.baseUrl}${path}?accessKey=${server.main.key}`;
});

afterAll(async () => {
  await server?.close();
});

const countOf = (entityType: string) => server.storage.events.count({ appId: server.main.appId }, { entityType });

describe('exactly-once ingestion with client event ids', () => {
  it('stores concurrent tries of one event once (they share a group-commit batch) and answers each 201', async () => {
    const tries = await Promise.all(
      Array.from({ length: 20 }, () => http('POST', url('/events.json'), { body: event({ eventId: 'same-batch', entityType: 'once' }) })),
    );
    expect(tries.map((response) => response.status)).toEqual(Array(20).fill(201));
    expect(new Set(tries.map((response) => response.text))).toEqual(new Set(['{"eventId":"same-batch"}']));
    expect(await countOf('once')).toBe(1);
  });

  it('answers 409 to other content under a taken id, in the same batch or later, and stores the rest of the batch', async () => {
    const [first, second] = await Promise.all([
      http('POST', url('/events.json'), { body: event({ eventId: 'contested', entityType: 'contest', entityId: 'a' }) }),
      http('POST', url('/events.json'), { body: event({ eventId: 'contested', entityType: 'contest', entityId: 'b' }) }),
      ...Array.from({ length: 10 }, (_, i) => http('POST', url('/events.json'), { body: event({ entityType: 'contest', entityId: `n${i}` }) })),
    ]);
    expect([first?.status, second?.status].sort()).toEqual([201, 409]);
    const later = await http('POST', url('/events.json'), { body: event({ eventId: 'contested', entityType: 'contest', entityId: 'c' }) });
    expect(later.status).toBe(409);
    expect(await countOf('contest')).toBe(11);
  });

  it('treats an omitted eventTime as the same on a retry, a different one as other content', async () => {
    const body = { eventId: 'timed', event: 'view', entityType: 'timing', entityId: 'u' };
    expect((await http('POST', url('/events.json'), { body })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await http('POST', url('/events.json'), { body })).status).toBe(201);
    const dated = await http('POST', url('/events.json'), { body: { ...body, eventTime: '2020-01-01T00:00:00.000Z' } });
    expect(dated.status).toBe(409);
    const explicit = { ...body, eventId: 'timed-2', eventTime: '2020-01-01T00:00:00.000+01:00' };
    expect((await http('POST', url('/events.json'), { body: explicit })).status).toBe(201);
    expect((await http('POST', url('/events.json'), { body: explicit })).status).toBe(201);
    expect((await http('POST', url('/events.json'), { body: { ...explicit, properties: { a: 1 } } })).status).toBe(409);
  });

  it('compares properties as JSON values: another key order is the same event', async () => {
    const raw = (text: string) => http('POST', url('/events.json'), { raw: `{"eventId":"props","event":"e","entityType":"props","entityId":"1","properties":${text}}` });
    expect((await raw('{"a":1,"b":[2.0,3]}')).status).toBe(201);
    expect((await raw('{ "b": [2.0, 3], "a": 1 }')).status).toBe(201);
    expect((await raw('{"a":1,"b":[3,2.0]}')).status).toBe(409);
    expect(await countOf('props')).toBe(1);
  });

  it('answers a retried batch per event: stored ones 201 with their ids, nothing stored twice', async () => {
    const batch = Array.from({ length: 5 }, (_, i) => event({ eventId: `batch-${i}`, entityType: 'rebatch', entityId: `u${i}` }));
    const first = await http('POST', url('/batch/events.json'), { body: batch.slice(0, 3) });
    expect((first.json as Array<{ status: number }>).map((item) => item.status)).toEqual([201, 201, 201]);
    const retry = await http('POST', url('/batch/events.json'), { body: [...batch, { ...batch[0], entityId: 'changed' }, batch[4]] });
    const items = retry.json as Array<{ status: number; eventId?: string }>;
    expect(items.map((item) => item.status)).toEqual([201, 201, 201, 201, 201, 409, 201]);
    expect(items.slice(0, 5).map((item) => item.eventId)).toEqual(batch.map((e) => e.eventId));
    expect(await countOf('rebatch')).toBe(5);
  });
});
