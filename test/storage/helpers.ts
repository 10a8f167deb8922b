import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { openStorage, resolveStorageSettings, type Storage } from '../../src/native/storage/index.js';

export interface StorageFixture {
  storage: Storage;
  database: TestDatabase;
  /** Raw SQL against the same database, to check what is physically stored. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** Settings exactly as a PredictionIO user writes them, pointing at a fresh test database. */
export function pioEnvFor(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const url = new URL(databaseUrl);
  return {
    PIO_STORAGE_REPOSITORIES_METADATA_NAME: 'pio_meta',
    PIO_STORAGE_REPOSITORIES_METADATA_SOURCE: 'PGSQL',
    PIO_STORAGE_REPOSITORIES_EVENTDATA_NAME: 'pio_event',
    PIO_STORAGE_REPOSITORIES_EVENTDATA_SOURCE: 'PGSQL',
    PIO_STORAGE_REPOSITORIES_MODELDATA_NAME: 'pio_model',
    PIO_STORAGE_REPOSITORIES_MODELDATA_SOURCE: 'PGSQL',
    PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc',
    PIO_STORAGE_SOURCES_PGSQL_URL: `jdbc:postgresql://${url.hostname}:${url.port}${url.pathname}`,
    PIO_STORAGE_SOURCES_PGSQL_USERNAME: decodeURIComponent(url.username),
    PIO_STORAGE_SOURCES_PGSQL_PASSWORD: decodeURIComponent(url.password),
    ...extra,
  };
}

export async function openTestStorage(extraEnv: Record<string, string> = {}): Promise<StorageFixture> {
  const database = await createTestDatabase('pio_storage');
  const storage = await openStorage(resolveStorageSettings(pioEnvFor(database.url, extraEnv)));
  const raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
  return {
    storage,
    database,
    async sql<R extends pg.QueryResultRow>(text: string, params?: unknown[]) {
      const result = await raw.query<R>(text, params);
      return result.rows;
    },
    async close() {
      await storage.close();
      await raw.end();
      await database.drop();
    },
  };
}
