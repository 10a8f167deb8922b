import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEventServer, type EventServerOptions } from '../../src/native/eventserver/app.js';
import { openStorage, resolveStorageSettings, type Storage } from '../../src/native/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

export interface TestApp {
  appId: number;
  /** Key allowing every event. */
  key: string;
  channelId: number;
  channelName: string;
}

export interface TestEventServer {
  baseUrl: string;
  storage: Storage;
  app: FastifyInstance;
  database: TestDatabase;
  main: TestApp;
  /** Creates another app with a key (optionally with an event allow-list) and a channel. */
  createApp(name: string, events?: string[]): Promise<TestApp>;
  close(): Promise<void>;
}

/** Storage environment for a test database (a local server without TLS). */
export function storageEnv(databaseUrl: string, pioHome: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, PIO_HOME: pioHome, PIO_POSTGRES_OPTIONAL_SSL: 'true' };
}

export async function openTestStorage(databaseUrl: string, pioHome: string, extraEnv: Record<string, string> = {}): Promise<Storage> {
  return openStorage(resolveStorageSettings({ ...storageEnv(databaseUrl, pioHome), ...extraEnv }));
}

export async function createAppWithKey(storage: Storage, name: string, events: string[] = []): Promise<TestApp> {
  const appId = await storage.apps.insert({ name });
  await storage.events.init({ appId });
  const key = await storage.accessKeys.insert({ appId, events });
  const channelName = `${name}-channel`;
  const channelId = await storage.channels.insert({ name: channelName, appId });
  await storage.events.init({ appId, channelId });
  return { appId, key, channelId, channelName };
}

/** A real Event Server on 127.0.0.1 with an ephemeral port, backed by a fresh test database. */
export async function startTestEventServer(
  options: Omit<EventServerOptions, 'storage'> = {},
  /** Storage settings on top of the test database's, e.g. PIO_STORAGE_SOURCES_PGSQL_INDEX. */
  storageEnvExtra: Record<string, string> = {},
): Promise<TestEventServer> {
  const database = await createTestDatabase('pio_es');
  const pioHome = await mkdtemp(join(tmpdir(), 'pio-es-home-'));
  let storage: Storage | undefined;
  let app: FastifyInstance | undefined;
  let main: TestApp;
  let port: number;
  try {
    storage = await openTestStorage(database.url, pioHome, storageEnvExtra);
    main = await createAppWithKey(storage, 'main');
    app = await buildEventServer({ accessKeyCacheMillis: 0, ...options, storage });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  } catch (error) {
    await app?.close();
    await storage?.close();
    await database.drop();
    await rm(pioHome, { recursive: true, force: true });
    throw error;
  }
  const openedStorage = storage;
  const openedApp = app;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    storage: openedStorage,
    app: openedApp,
    database,
    main,
    createApp: (name, events) => createAppWithKey(openedStorage, name, events),
    async close() {
      await openedApp.close();
      await openedStorage.close();
      await database.drop();
      await rm(pioHome, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  status: number;
  text: string;
  contentType: string | null;
  headers: Headers;
  /** Parsed body (undefined when not JSON). */
  json: unknown;
}

export async function http(
  method: string,
  url: string,
  options: { body?: unknown; raw?: string; contentType?: string | null; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  const contentType = options.contentType === undefined ? (body === undefined ? null : 'application/json') : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, contentType: response.headers.get('content-type'), headers: response.headers, json };
}

export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { event: 'rate', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i1', properties: { rating: 4 }, ...overrides };
}
