import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEventServer } from '../../src/native/eventserver/app.js';
import type { Storage } from '../../src/native/storage/index.js';
import { createAppWithKey, openTestStorage, type TestApp } from './helpers.js';
import { startOwnPostgres, type OwnPostgres } from './own-postgres.js';

let postgres: OwnPostgres;
let pioHome: string;
let storage: Storage;
let app: FastifyInstance;
let testApp: TestApp;
let baseUrl: string;

beforeAll(async () => {
  postgres = await startOwnPostgres();
  pioHome = await mkdtemp(join(tmpdir(), 'pio-es-restart-'));
  storage = await openTestStorage(postgres.url, pioHome);
  testApp = await createAppWithKey(storage, 'restart');
  app = await buildEventServer({ storage, accessKeyCacheMillis: 200 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await storage?.close();
  await postgres?.destroy();
  if (pioHome) await rm(pioHome, { recursive: true, force: true });
});

function post(agent: Agent, url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL restart during load', () => {
  it('answers 503 with a JSON message while the database is down, recovers by itself, loses no acknowledged event', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const url = `${baseUrl}/events.json?accessKey=${testApp.key}`;
    const acknowledged = new Map<string, string>();
    const unavailableBodies = new Set<string>();
    const unexpected: string[] = [];
    let okAfterRestart = 0;
    let phase: 'before' | 'down' | 'after' = 'before';
    let running = true;
    let sequence = 0;

    const client = async () => {
      while (running) {
        const entityId = `r${sequence++}`;
        const response = await post(agent, url, JSON.stringify({ event: 'restart', entityType: 'user', entityId }));
        if (response.status === 201) {
          acknowledged.set((JSON.parse(response.body) as { eventId: string }).eventId, entityId);
          if (phase === 'after') okAfterRestart++;
        } else if (response.status === 503) {
          unavailableBodies.add(response.body);
          await sleep(20);
        } else {
          unexpected.push(`${response.status} ${response.body}`);
        }
      }
    };

    const clients = Array.from({ length: 8 }, () => client());
    try {
      // Load is running (and being acknowledged) before the database goes away.
      const warmDeadline = Date.now() + 20_000;
      while (acknowledged.size < 20 && Date.now() < warmDeadline) await sleep(20);
      const beforeStop = acknowledged.size;
      phase = 'down';
      await postgres.stop();
      await sleep(800);
      const downStart = acknowledged.size;
      await sleep(400);
      expect(acknowledged.size).toBe(downStart); // nothing can be acknowledged while it is down
      await postgres.start();
      phase = 'after';
      const deadline = Date.now() + 20_000;
      while (okAfterRestart < 50 && Date.now() < deadline) await sleep(50);
      expect(beforeStop).toBeGreaterThanOrEqual(20);
    } finally {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    }

    expect(unexpected).toEqual([]);
    expect(okAfterRestart).toBeGreaterThanOrEqual(50);
    expect([...unavailableBodies]).toEqual(['{"message":"The event store (PostgreSQL) is unavailable. Retry later."}']);
    const stored = await storage.events.find({ appId: testApp.appId }, { limit: -1 });
    const storedById = new Map(stored.map((row) => [row.eventId, row.entityId]));
    expect(storedById.size).toBe(stored.length);
    for (const [eventId, entityId] of acknowledged) expect(storedById.get(eventId), eventId).toBe(entityId);
  });

  it('with client event ids, clients that retry every 503 end with each event stored exactly once', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const url = `${baseUrl}/events.json?accessKey=${testApp.key}`;
    const sent = new Set<string>();
    const unexpected: string[] = [];
    let retried = 0;
    let running = true;
    let sequence = 0;

    /** Sends one event until it is acknowledged, as the docs tell clients to (same body, same id). */
    const deliver = async (eventId: string) => {
      const body = JSON.stringify({ eventId, event: 'retry', entityType: 'user', entityId: eventId });
      for (;;) {
        const response = await post(agent, url, body).catch(() => ({ status: 0, body: 'connection error' }));
        if (response.status === 201) {
          if (response.body !== JSON.stringify({ eventId })) unexpected.push(response.body);
          return;
        }
        if (response.status !== 503 && response.status !== 0) unexpected.push(`${response.status} ${response.body}`);
        retried++;
        await sleep(20);
      }
    };
    const client = async () => {
      while (running) {
        const eventId = `retry-${sequence++}`;
        sent.add(eventId);
        await deliver(eventId);
      }
    };

    const clients = Array.from({ length: 8 }, () => client());
    try {
      await sleep(300);
      // Several restarts, each cutting commits in flight.
      for (let restart = 0; restart < 3; restart++) {
        await postgres.stop();
        await sleep(300);
        await postgres.start();
        await sleep(400);
      }
    } finally {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    }

    expect(unexpected).toEqual([]);
    expect(retried).toBeGreaterThan(0);
    const stored = await storage.events.find({ appId: testApp.appId }, { limit: -1, eventNames: ['retry'] });
    expect(stored.length).toBe(sent.size);
    expect(new Set(stored.map((row) => row.eventId))).toEqual(sent);
  });
});
