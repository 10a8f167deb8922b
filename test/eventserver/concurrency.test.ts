import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEventServer, type TestEventServer } from './helpers.js';

let server: TestEventServer;

beforeAll(async () => {
  server = await startTestEventServer();
});

afterAll(async () => {
  await server?.close();
});

/** One keep-alive POST; resolves with status and body. */
function post(agent: Agent, url: URL, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('concurrent clients', () => {
  it('16 clients posting at once: every acknowledged event is stored exactly once, none is lost', async () => {
    const clients = 16;
    const perClient = 60;
    const url = new URL(`${server.baseUrl}/events.json?accessKey=${server.main.key}`);
    const batchUrl = new URL(`${server.baseUrl}/batch/events.json?accessKey=${server.main.key}`);
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    const acknowledged = new Map<string, string>(); // eventId -> entityId
    try {
      await Promise.all(
        Array.from({ length: clients }, async (_, client) => {
          for (let i = 0; i < perClient; i++) {
            const entityId = `c${client}-e${i}`;
            if (i % 10 === 9) {
              // Every tenth request is a small batch, to mix both insert paths.
              const batch = [0, 1].map((j) => ({ event: 'load', entityType: 'user', entityId: `${entityId}-b${j}` }));
              const response = await post(agent, batchUrl, JSON.stringify(batch));
              expect(response.status).toBe(200);
              (JSON.parse(response.body) as Array<{ status: number; eventId: string }>).forEach((result, j) => {
                expect(result.status).toBe(201);
                acknowledged.set(result.eventId, `${entityId}-b${j}`);
              });
            } else {
              const response = await post(agent, url, JSON.stringify({ event: 'load', entityType: 'user', entityId }));
              expect(response.status).toBe(201);
              acknowledged.set((JSON.parse(response.body) as { eventId: string }).eventId, entityId);
            }
          }
        }),
      );
    } finally {
      agent.destroy();
    }
    const expected = clients * perClient + clients * (perClient / 10); // batches carry two events each
    expect(acknowledged.size).toBe(expected);
    const stored = await server.storage.events.find({ appId: server.main.appId }, { eventNames: ['load'], limit: -1 });
    expect(stored).toHaveLength(expected);
    const storedIds = new Map(stored.map((row) => [row.eventId, row.entityId]));
    expect(storedIds.size).toBe(expected); // no duplicates
    for (const [eventId, entityId] of acknowledged) expect(storedIds.get(eventId)).toBe(entityId);
    const entityIds = new Set(stored.map((row) => row.entityId));
    expect(entityIds.size).toBe(expected);
  });
});
