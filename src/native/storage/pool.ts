import pg from 'pg';
import { toStorageError, isConnectionFailure } from './errors.js';
import type { PgConnectionSettings } from './types.js';
import { parseUtcWallClock } from './timestamps.js';

const TIMESTAMP_OID = 1114;
const INT8_OID = 20;

/**
 * `timestamp` columns hold UTC wall-clock (BEHAVIOUR.md#value-encodings recommendation), so they are read as UTC whatever the
 * process time zone; counts (bigint) fit in a double.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === TIMESTAMP_OID) return parseUtcWallClock;
    if (oid === INT8_OID) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** A pool that maps driver failures to the typed storage errors. */
export interface Database {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs `fn` inside BEGIN/COMMIT on one connection; ROLLBACK on any error. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Runs DDL statements in one transaction under an advisory lock named by `key` (safe across processes). */
  ddl(key: string, statements: readonly string[]): Promise<void>;
  /**
   * Runs `fn` on a pooled connection and releases it afterwards (as broken if the connection failed);
   * driver errors become the typed storage errors.
   */
  withClient<T>(fn: (client: pg.PoolClient) => Promise<T>, what: string): Promise<T>;
  /** A dedicated connection (for COPY and cursors); release it with `release(error?)`. */
  connect(): Promise<pg.PoolClient>;
  readonly size: number;
  end(): Promise<void>;
}

interface Target {
  host: string;
  port: number;
}

export interface DatabaseOptions {
  connection: PgConnectionSettings;
  maxConnections: number;
  applicationName?: string | undefined;
  /**
   * Called when a connection fails; may return a new target (e.g. the embedded server came back on
   * another port). Pool clients created afterwards use it.
   */
  onConnectionFailure?: (() => Promise<Target | undefined>) | undefined;
}

/**
 * Creates the pool for one source. Hosts of a multi-host URL are tried in order: after a connection
 * failure the next host becomes current. SSL `prefer` is settled on the first connection (TLS if the
 * server offers it, else plain), as pgjdbc does.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const { connection } = options;
  const targets: Target[] = [{ host: connection.host, port: connection.port }, ...connection.fallbackHosts];
  let current = 0;
  let ssl: false | { rejectUnauthorized: boolean } | 'prefer' = connection.ssl;
  let recovering: Promise<void> | undefined;

  const connectionFailed = () => {
    if (targets.length > 1) current = (current + 1) % targets.length;
    if (options.onConnectionFailure && !recovering) {
      recovering = options.onConnectionFailure()
        .then((target) => {
          if (target) targets[current] = target;
        })
        .catch(() => undefined)
        .finally(() => {
          recovering = undefined;
        });
    }
  };

  class RoutedClient extends pg.Client {
    constructor(config: pg.ClientConfig) {
      const target = targets[current]!;
      super({
        ...config,
        password: config.password, // pg-pool keeps it non-enumerable, so the spread drops it
        host: target.host,
        port: target.port,
        ssl: ssl === 'prefer' ? { rejectUnauthorized: false } : ssl,
      });
      // A checked-out client whose server goes away emits 'error' outside any query; without a listener
      // that would crash the process. Its next query fails and it is released as broken.
      this.on('error', () => connectionFailed());
    }
  }

  const pool = new pg.Pool({
    // pg passes the pool options to the Client constructor; its typings declare a no-argument one.
    Client: RoutedClient as unknown as new () => pg.ClientBase,
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: connection.password,
    max: options.maxConnections,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: connection.connectTimeoutMillis ?? 10_000,
    application_name: connection.applicationName ?? options.applicationName ?? 'pio-native',
    types,
  });
  // An idle client losing its server (restart, network) must not crash the process; the pool drops it.
  pool.on('error', () => connectionFailed());

  const connect = async (attempt = 1): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      // sslmode=prefer: the server offers no TLS, so use plain connections from now on. Several first
      // connections may fail this way at once; each retries in plain.
      if (connection.ssl === 'prefer' && error instanceof Error && /does not support SSL/i.test(error.message)) {
        ssl = false;
        return connect(attempt);
      }
      if (isConnectionFailure(error)) {
        connectionFailed();
        // Multi-host URL: try the other hosts before giving up (connectionFailed moved to the next one).
        if (attempt < targets.length) return connect(attempt + 1);
      }
      throw toStorageError(error, 'connect');
    }
  };
  const settleSsl = () => {
    if (ssl === 'prefer') ssl = { rejectUnauthorized: false };
  };
  async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await connect();
    settleSsl();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      const broken = isConnectionFailure(error);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      client.release(broken ? (error as Error) : undefined);
      if (broken) connectionFailed();
      throw toStorageError(error, 'transaction');
    }
  }

  /** DDL from many processes at once: `CREATE TABLE IF NOT EXISTS` races on the catalog, so serialise it. */
  const ddl = async (key: string, statements: readonly string[]) => {
    await transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pio-ddl:${key}`]);
      for (const sql of statements) await client.query(sql);
    });
  };

  async function withClient<T>(fn: (client: pg.PoolClient) => Promise<T>, what: string): Promise<T> {
    const client = await connect();
    settleSsl();
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (error) {
      const broken = isConnectionFailure(error);
      client.release(broken ? (error as Error) : undefined);
      if (broken) connectionFailed();
      throw toStorageError(error, what);
    }
  }

  return {
    size: options.maxConnections,
    query: (sql, params) => withClient((client) => client.query(sql, params), 'query'),
    withClient,
    transaction,
    ddl,
    async connect() {
      const client = await connect(1);
      settleSsl();
      return client;
    },
    end: () => pool.end(),
  };
}
