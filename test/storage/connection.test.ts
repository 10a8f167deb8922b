import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, resolveStorageSettings, StorageUnavailableError } from '../../src/native/storage/index.js';
import { freePort } from '../../src/lib/net.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { pioEnvFor } from './helpers.js';

/** A loopback port with nothing listening on it. */
const closedPort = freePort;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('pio_conn');
});
afterAll(async () => {
  await database?.drop();
});

describe('connections', () => {
  it('an unreachable server is a StorageUnavailableError without secrets', async () => {
    const port = await closedPort();
    const storage = await openStorage(
      resolveStorageSettings({
        ...pioEnvFor(database.url),
        PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://127.0.0.1:${port}/x`,
        PIO_STORAGE_SOURCES_PGSQL_PASSWORD: 'hunter2-secret',
      }),
    );
    try {
      const error = await storage.apps.getAll().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(String((error as Error).message)).toMatch(/ECONNREFUSED/);
      expect(String((error as Error).message)).not.toContain('hunter2-secret');
    } finally {
      await storage.close();
    }
  });

  it('a multi-host JDBC URL fails over to the next host', async () => {
    const port = await closedPort();
    const url = new URL(database.url);
    const storage = await openStorage(
      resolveStorageSettings({
        ...pioEnvFor(database.url),
        PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://127.0.0.1:${port},${url.hostname}:${url.port}${url.pathname}`,
      }),
    );
    try {
      const id = await storage.apps.insert({ name: 'failover' });
      expect((await storage.apps.get(id))?.name).toBe('failover');
    } finally {
      await storage.close();
    }
  });

  it('sslmode=require against a server without TLS fails clearly; prefer falls back to plain', async () => {
    const required = await openStorage(
      resolveStorageSettings({ DATABASE_URL: database.url.replace(/\?.*$/, '') }), // DATABASE_URL → sslmode=require
    );
    try {
      await expect(required.apps.getAll()).rejects.toThrow(/does not support SSL/);
    } finally {
      await required.close();
    }
    const preferred = await openStorage(resolveStorageSettings({ DATABASE_URL: database.url, PIO_POSTGRES_OPTIONAL_SSL: 'true' }));
    try {
      const id = await preferred.apps.insert({ name: 'over-plain' });
      expect((await preferred.apps.get(id))?.name).toBe('over-plain');
    } finally {
      await preferred.close();
    }
  });
});
