import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestEventServer, type TestEventServer } from './helpers.js';

// `GET /events.json` with a large limit or -1 (all) streams a cursor as a JSON array: constant memory,
// and the event loop stays free for other requests meanwhile.
const EVENTS = 6_000;
let server: TestEventServer;
let find: (query: string) => ReturnType<typeof http>;

beforeAll(async () => {
  server = await startTestEventServer();
  const base = Date.UTC(2020, 0, 1);
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    event: 'view',
    entityType: 'streamed',
    entityId: `u${i}`,
    properties: { n: i },
    eventTime: new Date(base + i * 1000),
  }));
  for (let i = 0; i < events.length; i += 1000) await server.storage.events.insertBatch({ appId: server.main.appId }, events.slice(i, i + 1000));
  find = (query) => http('GET', `${server.baseUrl}/events.json?accessKey=${server.main.key}&entityType=streamed${query}`);
});

afterAll(async () => {
  await server?.close();
});

describe('streamed finds', () => {
  it('answers limit=-1 with every event in order, as one JSON array', async () => {
    const response = await find('&limit=-1');
    expect(response.status).toBe(200);
    const events = response.json as Array<{ entityId: string; properties: { n: number } }>;
    expect(events).toHaveLength(EVENTS);
    expect(events.map((e) => e.properties.n)).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  });

  it('honours a large limit and answers 404 when nothing matches', async () => {
    const limited = await find('&limit=2500');
    expect((limited.json as unknown[]).length).toBe(2500);
    const none = await find('&limit=-1&entityId=nobody');
    expect(none.status).toBe(404);
    expect(none.text).toBe('{"message":"Not Found"}');
  });

  it('keeps answering other requests while streaming', async () => {
    const streaming = find('&limit=-1');
    const started = performance.now();
    const alive = await http('GET', `${server.baseUrl}/`);
    expect(alive.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(500);
    expect((await streaming).status).toBe(200);
  });

  it('frees its database connection when the client goes away mid-stream', async () => {
    const port = Number(new URL(server.baseUrl).port);
    for (let i = 0; i < 4; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.write(`GET /events.json?accessKey=${server.main.key}&entityType=streamed&limit=-1 HTTP/1.1\r\nHost: x\r\n\r\n`);
      await new Promise((resolve) => socket.once('data', resolve));
      socket.destroy();
    }
    // With both stream slots leaked this would answer 503.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await find('&limit=-1')).status).toBe(200);
  });
});
