import { UserError } from '../../lib/errors.js';
import { createEventsRepository } from './events.js';
import type { JdbcSourceSettings, PgConnectionSettings, RepositoryKey, Storage, StorageSettings } from './types.js';
import {
  createEngineInstancesRepository,
  createEvaluationInstancesRepository,
  createLocalFsModelsRepository,
  createModelsRepository,
} from './instances.js';
import { createAccessKeysRepository, createAppsRepository, createChannelsRepository } from './meta.js';
import { createDatabase, type Database } from './pool.js';
import { createServingPinsRepository } from './serving-pins.js';

export interface OpenStorageOptions {
  /** Shown in `pg_stat_activity` (default `pio-native`). */
  applicationName?: string | undefined;
  /** Progress lines while the embedded PostgreSQL is initialised/started (no secrets). */
  log?: ((line: string) => void) | undefined;
}

/**
 * Connects to every configured source (starting or reusing the embedded PostgreSQL when that is the
 * source) and returns the repositories. Connecting is lazy for external databases: an unreachable
 * server surfaces as `StorageUnavailableError` on first use, not here. Embedded servers are started here.
 */
export async function openStorage(settings: StorageSettings, options: OpenStorageOptions = {}): Promise<Storage> {
  const databases = new Map<string, Database>();
  const databaseFor = async (key: RepositoryKey): Promise<Database> => {
    const sourceName = settings.repositories[key].source;
    const existing = databases.get(sourceName);
    if (existing) return existing;
    const source = settings.sources[sourceName];
    if (!source) {
      throw new UserError(`Storage source ${sourceName} (PIO_STORAGE_REPOSITORIES_${key}_SOURCE) is not configured.`, {
        hint: `Set PIO_STORAGE_SOURCES_${sourceName}_TYPE and its URL, USERNAME and PASSWORD.`,
      });
    }
    if (source.type !== 'jdbc') throw new Error(`Source ${sourceName} is not a jdbc source.`);
    const database = await openJdbcSource(source, settings.pioHome, options);
    databases.set(sourceName, database);
    return database;
  };

  try {
    const meta = await databaseFor('METADATA');
    const eventData = await databaseFor('EVENTDATA');
    const metaNamespace = settings.repositories.METADATA.name;
    const eventSource = settings.sources[settings.repositories.EVENTDATA.source] as JdbcSourceSettings;
    const modelRepository = settings.repositories.MODELDATA;
    const modelSource = settings.sources[modelRepository.source];
    const models =
      modelSource?.type === 'localfs'
        ? createLocalFsModelsRepository(modelSource.path, modelRepository.name)
        : createModelsRepository(await databaseFor('MODELDATA'), modelRepository.name);

    const storage: Storage = {
      settings,
      apps: createAppsRepository(meta, metaNamespace),
      accessKeys: createAccessKeysRepository(meta, metaNamespace),
      channels: createChannelsRepository(meta, metaNamespace),
      events: createEventsRepository(eventData, settings.repositories.EVENTDATA.name, { indexed: eventSource.index }),
      engineInstances: createEngineInstancesRepository(meta, metaNamespace),
      evaluationInstances: createEvaluationInstancesRepository(meta, metaNamespace),
      models,
      servingPins: createServingPinsRepository(meta),
      async verify(log = () => {}) {
        log(`Verifying Meta Data Backend (Source: ${settings.repositories.METADATA.source})...`);
        await storage.apps.getAll();
        await storage.accessKeys.getAll();
        await storage.channels.getByAppId(0);
        await storage.engineInstances.getAll();
        await storage.evaluationInstances.getAll();
        log(`Verifying Model Data Backend (Source: ${modelRepository.source})...`);
        await storage.models.get('');
        log(`Verifying Event Data Backend (Source: ${settings.repositories.EVENTDATA.source})...`);
        await eventData.query('SELECT 1');
        log('Test writing to Event Store (App Id 0)...');
        const scope = { appId: 0 };
        await storage.events.init(scope);
        try {
          await storage.events.insert(scope, { event: 'test', entityType: 'test', entityId: 'test' });
        } finally {
          await storage.events.remove(scope);
        }
      },
      async close() {
        await Promise.all([...databases.values()].map((database) => database.end()));
      },
    };
    return storage;
  } catch (error) {
    await Promise.all([...databases.values()].map((database) => database.end().catch(() => undefined)));
    throw error;
  }
}

async function openJdbcSource(source: JdbcSourceSettings, pioHome: string, options: OpenStorageOptions): Promise<Database> {
  if (source.connection) {
    return createDatabase({ connection: source.connection, maxConnections: source.connections, applicationName: options.applicationName });
  }
  // Loaded only here: with a configured database the embedded manager is never needed (bench/startup).
  const { embeddedTarget, ensureEmbeddedPostgres } = await import('./embedded.js');
  const embedded = await ensureEmbeddedPostgres({ pioHome, log: options.log });
  const connection: PgConnectionSettings = {
    host: embedded.host,
    port: embedded.port,
    database: embedded.database,
    user: embedded.user,
    password: embedded.password,
    ssl: false,
    fallbackHosts: [],
  };
  return createDatabase({
    connection,
    maxConnections: source.connections,
    applicationName: options.applicationName,
    // Whoever starts the embedded server again may have had to pick another port: follow it. (Not
    // restarting it here: `pio-deploy` stops it on purpose at cleanup.)
    onConnectionFailure: () => embeddedTarget(pioHome),
  });
}
