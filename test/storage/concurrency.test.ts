import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, resolveStorageSettings, type Storage } from '../../src/native/storage/index.js';
import { openTestStorage, pioEnvFor, type StorageFixture } from './helpers.js';

let fixture: StorageFixture;
const clients: Storage[] = [];

beforeAll(async () => {
  fixture = await openTestStorage();
  // 16 independent clients (own pools of 2 connections each), like 16 pio processes / server instances.
  for (let i = 0; i < 16; i++) {
    clients.push(await openStorage(resolveStorageSettings(pioEnvFor(fixture.database.url, { PIO_STORAGE_SOURCES_PGSQL_CONNECTIONS: '2' }))));
  }
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await fixture?.close();
});

describe('16 concurrent clients', () => {
  it('no event lost or duplicated across single inserts, batches and group commit', async () => {
    const scope = { appId: 1 };
    await fixture.storage.events.init(scope);
    const perClient = 150;
    const acknowledged = await Promise.all(
      clients.map(async (client, c) => {
        const ids: string[] = [];
        const writer = client.events.createGroupCommitWriter();
        const jobs: Array<Promise<void>> = [];
        for (let i = 0; i < perClient; i += 3) {
          const event = (k: number) => ({ event: 'e', entityType: 'client', entityId: `${c}`, properties: { n: i + k } });
          jobs.push(
            (async () => {
              ids.push(await client.events.insert(scope, event(0)));
              ids.push(...(await client.events.insertBatch(scope, [event(1)])));
              ids.push(await writer.insert(scope, event(2)));
            })(),
          );
        }
        await Promise.all(jobs);
        await writer.close();
        return ids;
      }),
    );
    const all = acknowledged.flat();
    expect(all).toHaveLength(16 * perClient);
    expect(new Set(all).size).toBe(all.length);

    const stored = await fixture.storage.events.find(scope);
    expect(stored).toHaveLength(16 * perClient);
    const storedIds = new Set(stored.map((e) => e.eventId));
    expect(all.every((id) => storedIds.has(id))).toBe(true);
    // every (client, n) pair exactly once
    const pairs = new Set(stored.map((e) => `${e.entityId}:${JSON.stringify(e.properties.n)}`));
    expect(pairs.size).toBe(16 * perClient);
  });

  it('concurrent app creation gets distinct serial ids', async () => {
    const ids = await Promise.all(clients.map((client, i) => client.apps.insert({ name: `app-${i}` })));
    expect(new Set(ids).size).toBe(16);
    expect((await fixture.storage.apps.getAll()).map((a) => a.id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  });
});
